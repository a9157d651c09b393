package dev.atomkv.server.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.model.KvException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Listeners' room, round robin, and what closing and stopping let go of. */
class QueueListenersTest {
  private final List<List<String>> letGo = new ArrayList<>();
  private final QueueListeners<String> listeners = new QueueListeners<>(this, letGo::add);

  @Test
  void roomIsSharedRoundRobinAndFreedByReleasingALease() {
    QueueListeners<String>.Listener a = listeners.add(2, sink());
    QueueListeners<String>.Listener b = listeners.add(1, sink());
    assertEquals(3, listeners.room());

    List<QueueListeners<String>.Listener> picked = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      QueueListeners<String>.Listener l = listeners.withRoom();
      listeners.reserve(l);
      listeners.hold(l, "lease" + i, "m" + i);
      picked.add(l);
    }
    assertEquals(List.of(a, b, a), picked, "round robin among those with room");
    assertNull(listeners.withRoom());
    assertEquals(0, listeners.room());

    assertEquals("m1", listeners.release("lease1"));
    assertNull(listeners.release("lease1"), "released once");
    assertSame(b, listeners.withRoom());

    QueueListeners<String>.Listener c = listeners.add(1, sink());
    listeners.reserve(c);
    listeners.unreserve(c);
    assertEquals(2, listeners.room(), "a reservation given back frees its place");
  }

  @Test
  void aClosingListenerLetsGoOfItsLeasesAndAStoppedOneOfNothing() {
    QueueListeners<String>.Listener a = listeners.add(3, sink());
    QueueListeners<String>.Listener b = listeners.add(3, sink());
    for (String m : List.of("x", "y")) {
      listeners.reserve(a);
      listeners.hold(a, "lease-" + m, m);
    }
    listeners.reserve(b);
    listeners.hold(b, "lease-z", "z");
    listeners.releaseIf(m -> m.equals("y"));

    a.close();
    a.close();
    assertEquals(List.of(List.of("x")), letGo, "once, with what it still held");
    assertTrue(a.closed());
    assertNull(listeners.get("lease-x"));
    assertEquals(2, listeners.room(), "only b is left");

    QueueListeners.Stopped<String> stopped = listeners.stop();
    assertEquals(List.of("z"), stopped.leases());
    assertEquals(1, stopped.sinks().size());
    b.close();
    assertEquals(1, letGo.size(), "nothing let go after the stop");
  }

  private static QueueSink sink() {
    return new QueueSink() {
      @Override
      public void deliver(QueueDelivery delivery) {}

      @Override
      public void end(KvException reason) {}
    };
  }
}
