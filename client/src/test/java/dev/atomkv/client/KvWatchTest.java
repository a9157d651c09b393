package dev.atomkv.client;

import static dev.atomkv.client.TestEntries.VS1;
import static dev.atomkv.client.TestEntries.VS2;
import static dev.atomkv.client.TestEntries.entry;
import static dev.atomkv.client.TestEntries.missing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.atomkv.proto.v1.WatchEntry;
import dev.atomkv.proto.v1.WatchResponse;
import io.grpc.Status;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class KvWatchTest {
  private static final Key A = Key.of("a");
  private static final Key B = Key.of("b");
  private static final Versionstamp READ1 = Versionstamp.parse("0000000000000001ffff");
  private static final Versionstamp READ2 = Versionstamp.parse("0000000000000002ffff");

  @RegisterExtension
  final FakeKvServer server = new FakeKvServer();

  @Test
  void eventsCarryEveryKeyWithItsChangedFlag() throws Exception {
    try (KvWatch watch = server.client().watch(List.of(A, B))) {
      FakeKvService.WatchCall call = nextCall();
      assertEquals(2, call.request().getKeysCount());
      assertTrue(call.request().getAfter().isEmpty(), "a fresh watch sends no after");
      call.responses().onNext(response(READ1, entry(A, KvValue.of("A"), VS1), true,
          missing(B), true));

      WatchEvent first = watch.next();
      assertEquals(KvValue.of("A"), first.entries().get(0).value());
      assertEquals(VS1, first.entries().get(0).versionstamp());
      assertFalse(first.entries().get(1).exists());
      assertEquals(List.of(true, true), first.changed());
      assertEquals(READ1, first.readVersionstamp());

      call.responses().onNext(response(READ2, entry(A, KvValue.of("A"), VS1), false,
          entry(B, KvValue.of("B"), VS2), true));
      WatchEvent second = watch.next();
      assertFalse(second.changed(0));
      assertEquals(List.of(second.entries().get(1)), second.changedEntries());
    }
  }

  @Test
  void unavailableReconnectsAfterTheLastEventSeen() throws Exception {
    try (KvWatch watch = server.client().watch(List.of(A))) {
      FakeKvService.WatchCall first = nextCall();
      first.responses().onNext(response(READ1, entry(A, KvValue.of("1"), VS1), true));
      assertEquals(READ1, watch.next().readVersionstamp());
      first.responses().onError(Status.UNAVAILABLE.withDescription("restarting")
          .asRuntimeException());

      CompletableFuture<WatchEvent> next = CompletableFuture.supplyAsync(watch::next);
      FakeKvService.WatchCall second = nextCall();
      assertEquals(ByteString.copyFrom(READ1.toBytes()), second.request().getAfter());
      second.responses().onNext(response(READ2, entry(A, KvValue.of("2"), VS2), true));

      assertEquals(KvValue.of("2"), next.get(5, TimeUnit.SECONDS).entries().get(0).value());
      assertEquals(1, watch.reconnects());
    }
  }

  @Test
  void aResumedWatchSendsItsAfter() throws Exception {
    try (KvWatch watch = server.client().watch(List.of(A), READ2)) {
      assertEquals(ByteString.copyFrom(READ2.toBytes()), nextCall().request().getAfter());
    }
  }

  @Test
  void otherFailuresEndTheIterationWithTheServersMessage() throws Exception {
    KvWatch watch = server.client().watch(List.of(A));
    nextCall().responses().onError(Status.INVALID_ARGUMENT
        .withDescription("Too many keys (max 10)").asRuntimeException());

    KvException e = assertThrows(KvException.class, watch::hasNext);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
    assertEquals("Too many keys (max 10)", e.description());
    assertFalse(watch.hasNext());
    assertEquals(0, watch.reconnects());
  }

  @Test
  void closeFromAnotherThreadEndsAWaitingIterationAndCancelsTheCall() throws Exception {
    KvWatch watch = server.client().watch(List.of(A));
    FakeKvService.WatchCall call = nextCall();
    CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(watch::hasNext);
    Thread.sleep(50);

    watch.close();

    assertFalse(waiting.get(5, TimeUnit.SECONDS));
    assertThrows(NoSuchElementException.class, watch::next);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!call.responses().isCancelled() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertTrue(call.responses().isCancelled(), "the server saw the cancel");
  }

  @Test
  void theWatchAsksForOneEventAtATime() throws Exception {
    try (KvWatch watch = server.client().watch(List.of(A))) {
      FakeKvService.WatchCall call = nextCall();
      call.responses().onNext(response(READ1, entry(A, KvValue.of("1"), VS1), true));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (call.responses().isReady() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertFalse(call.responses().isReady(), "no room for a second event before next()");

      watch.next();
      while (!call.responses().isReady() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertTrue(call.responses().isReady(), "next() asks for one more");
    }
  }

  private FakeKvService.WatchCall nextCall() throws InterruptedException {
    FakeKvService.WatchCall call = server.service().watches.poll(5, TimeUnit.SECONDS);
    assertNotNull(call, "a Watch call arrived");
    return call;
  }

  /** A response of (entry, changed) pairs. */
  private static WatchResponse response(Versionstamp read, Object... entriesAndFlags) {
    WatchResponse.Builder b = WatchResponse.newBuilder()
        .setReadVersionstamp(ByteString.copyFrom(read.toBytes()));
    for (int i = 0; i < entriesAndFlags.length; i += 2) {
      b.addEntries(WatchEntry.newBuilder()
          .setEntry((dev.atomkv.proto.v1.Entry) entriesAndFlags[i])
          .setChanged((Boolean) entriesAndFlags[i + 1]));
    }
    return b.build();
  }
}
