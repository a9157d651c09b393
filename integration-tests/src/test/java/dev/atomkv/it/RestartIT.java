package dev.atomkv.it;

import static dev.atomkv.it.Wire.atomic;
import static dev.atomkv.it.Wire.bytesValue;
import static dev.atomkv.it.Wire.checkVersionstamp;
import static dev.atomkv.it.Wire.commitOk;
import static dev.atomkv.it.Wire.delete;
import static dev.atomkv.it.Wire.everything;
import static dev.atomkv.it.Wire.jsonValue;
import static dev.atomkv.it.Wire.key;
import static dev.atomkv.it.Wire.set;
import static dev.atomkv.it.Wire.setExpiring;
import static dev.atomkv.it.Wire.setSuffixed;
import static dev.atomkv.it.Wire.stringValue;
import static dev.atomkv.it.Wire.u64Value;
import static dev.atomkv.it.Wire.v8Value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.GetRequest;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.KvServiceGrpc.KvServiceBlockingStub;
import dev.atomkv.proto.v1.Value;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Data and versionstamps survive a graceful restart; acknowledged commits are durable. */
class RestartIT {
  @TempDir Path dir;

  @Test
  void valuesAndVersionstampsSurviveARestart() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      KvServiceBlockingStub stub = server.stub();
      List<Value> values = List.of(
          bytesValue(new byte[] {0, 1, (byte) 0xff}),
          bytesValue(new byte[0]),
          stringValue("héllo 🌍"),
          u64Value(-1L),
          jsonValue(com.google.protobuf.Value.newBuilder().setStructValue(Struct.newBuilder()
              .putFields("a", com.google.protobuf.Value.newBuilder().setListValue(ListValue.newBuilder()
                  .addValues(com.google.protobuf.Value.newBuilder().setNumberValue(1.5))
                  .addValues(com.google.protobuf.Value.newBuilder().setBoolValue(false))).build()))
              .build()),
          v8Value(new byte[] {(byte) 0xff, 0x0f, 0x22, 0x01, 'x'}),
          bytesValue(65536));
      List<ByteString> stamps = new ArrayList<>();
      for (int i = 0; i < values.size(); i++) {
        stamps.add(commitOk(stub, atomic(set(key("kind", i), values.get(i)))));
      }
      // Keys of every part kind, a key longer than LMDB's 511-byte limit, a versionstamped log,
      // a counter, a key that will expire much later, and a deleted key.
      stamps.add(commitOk(stub, atomic(
          set(key(new byte[] {0, 1}, "s", 42L, -1.5, true), stringValue("parts")),
          set(Wire.sizedKey(2048, 9), stringValue("long")),
          Wire.sum(key("counter"), 41),
          setExpiring(key("later"), stringValue("v"), 3_600_000),
          set(key("deleted"), stringValue("v")))));
      for (int i = 0; i < 3; i++) {
        stamps.add(commitOk(stub, atomic(setSuffixed(key("log"), stringValue("entry " + i)))));
      }
      stamps.add(commitOk(stub, atomic(Wire.sum(key("counter"), 1), delete(key("deleted")))));
      List<Entry> before = everything(stub);
      assertEquals(values.size() + 4 + 3, before.size());
      for (int i = 0; i < 3; i++) {
        assertEquals(key("log", hex(stamps.get(values.size() + 1 + i))), Wire.list(stub, key("log")).get(i).getKey());
      }

      server.restart();

      stub = server.stub();
      assertEquals(before, everything(stub), "every key, value, versionstamp and expiry survives");
      for (int i = 0; i < values.size(); i++) {
        Entry e = Wire.get(stub, key("kind", i));
        assertEquals(values.get(i), e.getValue());
        assertEquals(stamps.get(i), e.getVersionstamp());
      }
      assertEquals(u64Value(42), Wire.get(stub, key("counter")).getValue());
      assertFalse(Wire.get(stub, key("deleted")).hasValue());
      assertEquals(stringValue("long"), Wire.get(stub, Wire.sizedKey(2048, 9)).getValue());

      // An optimistic check taken before the restart still holds after it.
      ByteString checked = commitOk(stub, atomic(List.of(checkVersionstamp(key("kind", 0), stamps.get(0))),
          List.of(Wire.sum(key("counter"), 1))));
      ByteString newest = stamps.stream().max(RestartIT::unsigned).orElseThrow();
      assertTrue(unsigned(checked, newest) > 0, "the next commit's versionstamp is above every earlier one");
    }
  }

  @Test
  void everyAcknowledgedCommitSurvivesAGracefulStopWithCommitsInFlight() throws Exception {
    int commits = 500;
    Map<Integer, ByteString> acked = new ConcurrentHashMap<>();
    Map<Integer, Status.Code> failed = new ConcurrentHashMap<>();
    Set<Integer> notOk = ConcurrentHashMap.newKeySet();
    CountDownLatch firstAcks = new CountDownLatch(20);
    CountDownLatch finished = new CountDownLatch(commits);
    int ackedBeforeStop;
    try (RunningServer server = RunningServer.start(dir)) {
      // Our own channel, so that answers sent during the graceful stop still reach us.
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
          .usePlaintext().build();
      try {
        KvServiceGrpc.KvServiceStub async = KvServiceGrpc.newStub(channel)
            .withDeadlineAfter(30, TimeUnit.SECONDS);
        for (int i = 0; i < commits; i++) {
          int n = i;
          async.atomic(atomic(set(key("inflight", n), u64Value(n)), Wire.sum(key("acked"), 1)),
              new StreamObserver<>() {
                @Override
                public void onNext(AtomicResponse r) {
                  if (r.getOk()) {
                    acked.put(n, r.getVersionstamp());
                  } else {
                    notOk.add(n);
                  }
                  firstAcks.countDown();
                }

                @Override
                public void onError(Throwable t) {
                  failed.put(n, Status.fromThrowable(t).getCode());
                  finished.countDown();
                }

                @Override
                public void onCompleted() {
                  finished.countDown();
                }
              });
        }
        assertTrue(firstAcks.await(30, TimeUnit.SECONDS), "commits are acknowledged");

        ackedBeforeStop = acked.size();
        server.restart(); // graceful: calls in flight finish, queued commits are written

        assertTrue(finished.await(30, TimeUnit.SECONDS), "every call ended");
      } finally {
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
      }

      assertEquals(Set.of(), notOk, "no check, so every answered commit is ok=true");
      assertEquals(commits, acked.size() + failed.size());
      // A stopping server answers UNAVAILABLE (the outcome of such a commit is unknown to the client).
      Set<Status.Code> codes = new HashSet<>(failed.values());
      assertTrue(Set.of(Status.Code.UNAVAILABLE).containsAll(codes), "failure codes " + codes);

      KvServiceBlockingStub stub = server.stub();
      GetRequest.Builder read = GetRequest.newBuilder();
      for (int i = 0; i < commits; i++) {
        read.addKeys(key("inflight", i));
      }
      List<Entry> entries = stub.get(read.build()).getEntriesList();
      int present = 0;
      for (int i = 0; i < commits; i++) {
        Entry e = entries.get(i);
        if (acked.containsKey(i)) {
          assertEquals(u64Value(i), e.getValue(), "acknowledged commit " + i + " lost");
          assertEquals(acked.get(i), e.getVersionstamp(), "acknowledged commit " + i);
        }
        if (e.hasValue()) {
          present++;
        }
      }
      // The counter counts exactly the commits that landed, acknowledged or not.
      assertEquals(u64Value(present), Wire.get(stub, key("acked")).getValue());
      assertEquals(acked.size(), new HashSet<>(acked.values()).size(), "versionstamps never repeat");

      ByteString newest = acked.values().stream().max(RestartIT::unsigned).orElseThrow();
      ByteString next = commitOk(stub, atomic(set(key("after"), stringValue("v"))));
      assertTrue(unsigned(next, newest) > 0);
      System.out.printf("graceful stop: %d acknowledged before the stop began, %d in all, %d failed (%s), %d present%n",
          ackedBeforeStop, acked.size(), failed.size(), codes, present);
    }
  }

  private static int unsigned(ByteString a, ByteString b) {
    return Arrays.compareUnsigned(a.toByteArray(), b.toByteArray());
  }

  private static String hex(ByteString versionstamp) {
    return java.util.HexFormat.of().formatHex(versionstamp.toByteArray());
  }
}
