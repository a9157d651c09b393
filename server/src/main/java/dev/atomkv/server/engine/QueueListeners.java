package dev.atomkv.server.engine;

import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The queue listeners one server (or cluster member) serves and the leases they hold: each
 * listener's room under its in-flight limit, the round-robin choice among those with room, and
 * what a closing listener lets go of. How messages are leased and settled is the owner's (a single
 * node's dispatcher, a cluster member's log entries).
 *
 * <p>Not thread-safe on its own: the owner calls it under {@code lock}, which a listener's
 * {@link QueueSubscription#close()} takes too.
 *
 * @param <L> the owner's lease
 */
public final class QueueListeners<L> {
  private final Object lock;
  private final Consumer<List<L>> letGo;
  private final List<Listener> listeners = new ArrayList<>();
  private final Map<String, Held<L>> leases = new HashMap<>();
  private int next;
  private boolean stopped;

  /**
   * @param lock the owner's lock
   * @param letGo told, outside the lock, of the leases a listener held when it closed (not once
   *     stopped): the owner settles them as failed
   */
  public QueueListeners(Object lock, Consumer<List<L>> letGo) {
    this.lock = lock;
    this.letGo = letGo;
  }

  private record Held<L>(L lease, QueueListeners<L>.Listener owner) {}

  /** One listener: it receives its messages through {@link #sink()}. */
  public final class Listener implements QueueSubscription {
    private final int maxInFlight;
    private final QueueSink sink;
    /** Leases held plus those being taken for it. */
    private int held;
    private boolean closed;
    private final Set<String> leaseIds = new LinkedHashSet<>();

    private Listener(int maxInFlight, QueueSink sink) {
      this.maxInFlight = Math.max(1, maxInFlight);
      this.sink = sink;
    }

    public QueueSink sink() {
      return sink;
    }

    /** Whether it closed: what is taken for it now goes back. */
    public boolean closed() {
      return closed;
    }

    int room() {
      return closed ? 0 : maxInFlight - held;
    }

    @Override
    public void close() {
      List<L> dropped = new ArrayList<>();
      synchronized (lock) {
        if (closed) {
          return;
        }
        closed = true;
        listeners.remove(this);
        for (String id : List.copyOf(leaseIds)) {
          L lease = release(id);
          if (lease != null) {
            dropped.add(lease);
          }
        }
        if (stopped) {
          return;
        }
      }
      letGo.accept(dropped);
    }
  }

  public Listener add(int maxInFlight, QueueSink sink) {
    Listener l = new Listener(maxInFlight, sink);
    listeners.add(l);
    return l;
  }

  /** Room left under every open listener's limit. */
  public int room() {
    int room = 0;
    for (Listener l : listeners) {
      room += l.room();
    }
    return room;
  }

  /** The next listener with room, round robin; null when none has any. */
  public Listener withRoom() {
    for (int i = 0; i < listeners.size(); i++) {
      Listener l = listeners.get((next + i) % listeners.size());
      if (l.room() > 0) {
        next = (next + i + 1) % listeners.size();
        return l;
      }
    }
    return null;
  }

  /** Takes one place of {@code l}'s room for a message being leased for it. */
  public void reserve(Listener l) {
    l.held++;
  }

  /** Gives back a place {@link #reserve} took, when no lease came of it. */
  public void unreserve(Listener l) {
    l.held--;
  }

  /** {@code l} holds {@code lease} in the place {@link #reserve} took for it. */
  public void hold(Listener l, String leaseId, L lease) {
    leases.put(leaseId, new Held<>(lease, l));
    l.leaseIds.add(leaseId);
  }

  /** The lease held under {@code leaseId}, or null. */
  public L get(String leaseId) {
    Held<L> h = leases.get(leaseId);
    return h == null ? null : h.lease();
  }

  /** Ends a lease, freeing its place; the lease, or null when none is held under that id. */
  public L release(String leaseId) {
    Held<L> h = leases.remove(leaseId);
    if (h == null) {
      return null;
    }
    h.owner().held--;
    h.owner().leaseIds.remove(leaseId);
    return h.lease();
  }

  /** Ends every lease that {@code ended} accepts. */
  public void releaseIf(Predicate<L> ended) {
    for (Map.Entry<String, Held<L>> e : List.copyOf(leases.entrySet())) {
      if (ended.test(e.getValue().lease())) {
        release(e.getKey());
      }
    }
  }

  /** Why a deleted tenant's listeners end. */
  public static KvException tenantDeleted(String tenant) {
    return new KvException(ErrorKind.FAILED_PRECONDITION, "tenant '" + tenant + "' was deleted");
  }

  /** What stopping leaves: the listeners to end, and the leases they held. */
  public record Stopped<L>(List<QueueSink> sinks, List<L> leases) {}

  /** Forgets every listener and lease; a listener closing afterwards lets go of nothing. */
  public Stopped<L> stop() {
    stopped = true;
    List<QueueSink> sinks = listeners.stream().map(Listener::sink).toList();
    List<L> held = leases.values().stream().map(Held::lease).toList();
    listeners.clear();
    leases.clear();
    return new Stopped<>(sinks, held);
  }
}
