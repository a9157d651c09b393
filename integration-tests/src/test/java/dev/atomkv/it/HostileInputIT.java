package dev.atomkv.it;

import static dev.atomkv.it.Wire.atomic;
import static dev.atomkv.it.Wire.commitOk;
import static dev.atomkv.it.Wire.delete;
import static dev.atomkv.it.Wire.everything;
import static dev.atomkv.it.Wire.key;
import static dev.atomkv.it.Wire.set;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.Key;
import dev.atomkv.proto.v1.KvServiceGrpc.KvServiceBlockingStub;
import dev.atomkv.proto.v1.Mutation;
import dev.atomkv.proto.v1.Value;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded fuzzer against the real server: thousands of malformed and extreme requests
 * ({@link HostileRequests}) sent as raw bytes to Get, List and Atomic. Every one must get a status
 * from the allowed set whose message names the problem without a stack trace; the server must keep
 * serving; rejected requests must leave the stored data (a full List scan, hashed) exactly as it
 * was; and the JVM that runs the server must stay within {@link #HEAP_GROWTH_BOUND},
 * {@link #ANON_RSS_GROWTH_BOUND} and {@link #FD_GROWTH_BOUND} of where it started.
 *
 * <p>Seed: system property {@code atomkv.test.seed}. Cases: system property
 * {@code atomkv.fuzz.cases} or environment variable {@code ATOMKV_FUZZ_CASES} (default
 * {@value #DEFAULT_CASES}; {@code make soak} runs many more).
 */
class HostileInputIT {
  private static final long SEED = Long.getLong("atomkv.test.seed", 20261122L);
  static final int DEFAULT_CASES = 1500;
  /** Heap in use after a full GC may grow by this much over the whole run (no leak per request). */
  static final long HEAP_GROWTH_BOUND = 64L << 20;
  /**
   * Anonymous RSS (heap included, measured once G1 has handed a shrunk heap back) may grow by this
   * much: the heap's working size, Netty's buffer pools and JIT code settling; nothing per request.
   */
  static final long ANON_RSS_GROWTH_BOUND = 128L << 20;
  /** Descriptors may grow by this much: nothing per request, a few for lazily started pools. */
  static final long FD_GROWTH_BOUND = 16;

  private static final Set<Status.Code> ALLOWED = EnumSet.of(Status.Code.OK,
      Status.Code.INVALID_ARGUMENT, Status.Code.FAILED_PRECONDITION,
      Status.Code.RESOURCE_EXHAUSTED);
  @TempDir Path dir;

  @Test
  void everyHostileRequestGetsANamedStatusAndChangesNothing() throws Exception {
    int cases = fuzzCases();
    System.out.println("HostileInputIT seed=" + SEED + " cases=" + cases
        + " (rerun with -Datomkv.test.seed=" + SEED + " -Datomkv.fuzz.cases=" + cases + ")");
    try (RunningServer server = RunningServer.start(dir)) {
      KvServiceBlockingStub stub = server.stub();
      List<Key> targets = seedData(stub);
      HostileRequests requests = new HostileRequests(new Random(SEED), targets);
      Map<String, Map<Status.Code, Integer>> seen = new TreeMap<>();
      List<String> problems = new ArrayList<>();
      String expected = checksum(server);
      int accepted = 0;
      ProcessFootprint start = null;
      int warmUp = Math.min(200, cases / 5);
      long began = System.nanoTime();
      for (int i = 0; i < cases; i++) {
        if (i == warmUp) {
          start = ProcessFootprint.measure();
          System.out.println("HostileInputIT after " + warmUp + " warm-up cases: " + start);
        }
        HostileRequests.Case c = requests.next();
        Status status;
        byte[] reply = null;
        try {
          reply = RawCalls.call(server.channel(), c.method().rpcName, c.payload(), 20);
          status = Status.OK;
        } catch (StatusRuntimeException e) {
          status = e.getStatus();
        }
        seen.computeIfAbsent(c.method() + " " + c.kind(), k -> new EnumMap<>(Status.Code.class))
            .merge(status.getCode(), 1, Integer::sum);
        String problem = judge(status);
        if (problem != null && problems.size() < 20) {
          problems.add("case " + i + " (" + c.method() + ", " + c.kind() + ", "
              + c.payload().length + " bytes): " + problem);
        }
        if (c.method() == HostileRequests.Method.ATOMIC) {
          if (reply != null && committed(reply)) {
            // A hostile request that was valid after all: its write is the new normal.
            accepted++;
            removeExpiring(server);
            expected = checksum(server);
          } else {
            String now = checksum(server);
            if (!now.equals(expected)) {
              fail("case " + i + " (" + c.kind() + ") was refused with " + status
                  + " but changed the stored data");
            }
          }
        }
      }
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
      ProcessFootprint end = ProcessFootprint.measure();
      seen.forEach((kind, codes) -> System.out.println("  " + kind + ": " + codes));
      System.out.println("HostileInputIT " + cases + " cases in " + elapsedMs + " ms, " + accepted
          + " commits accepted; footprint " + start + " -> " + end);
      assertTrue(problems.isEmpty(), () -> String.join("\n", problems));

      // The server still serves reads and writes, and the data is what it was.
      stub = server.stub();
      assertEquals(expected, checksum(server));
      Key probe = key("after", "fuzz");
      commitOk(stub, atomic(set(probe, Wire.u64Value(1))));
      assertEquals(1, Wire.get(stub, probe).getValue().getU64());
      commitOk(stub, atomic(delete(probe)));

      ProcessFootprint baseline = start;
      assertTrue(end.heapUsedBytes() - baseline.heapUsedBytes() <= HEAP_GROWTH_BOUND,
          () -> "heap grew from " + baseline + " to " + end);
      assertTrue(end.anonRssBytes() - baseline.anonRssBytes() <= ANON_RSS_GROWTH_BOUND,
          () -> "anonymous RSS grew from " + baseline + " to " + end);
      assertTrue(end.openFds() - baseline.openFds() <= FD_GROWTH_BOUND,
          () -> "open file descriptors grew from " + baseline + " to " + end);
    }
  }

  /** Null when the status is acceptable, else what is wrong with it. */
  static String judge(Status status) {
    if (!ALLOWED.contains(status.getCode())) {
      return "status " + status.getCode() + " (" + status.getDescription() + ")";
    }
    if (status.isOk()) {
      return null;
    }
    String d = status.getDescription();
    if (d == null || d.isBlank()) {
      return status.getCode() + " without a message";
    }
    if (d.contains("Exception") || d.contains("\tat ") || d.contains("java.")
        || d.contains("internal error")) {
      return status.getCode() + " leaks internals: " + d;
    }
    return null;
  }

  private static int fuzzCases() {
    String env = System.getenv("ATOMKV_FUZZ_CASES");
    return Integer.getInteger("atomkv.fuzz.cases",
        env == null || env.isBlank() ? DEFAULT_CASES : Integer.parseInt(env.trim()));
  }

  private static boolean committed(byte[] reply) {
    try {
      return AtomicResponse.parseFrom(reply).getOk();
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("the server sent an unreadable AtomicResponse", e);
    }
  }

  /** Data of every kind the server stores, including long keys and json for conditions. */
  private static List<Key> seedData(KvServiceBlockingStub stub) {
    List<Key> keys = new ArrayList<>();
    List<Mutation> batch = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      Key k = switch (i % 4) {
        case 0 -> key("data", i);
        case 1 -> key("data", "s" + i, (double) i);
        case 2 -> key("data", Wire.sizedBytes(600 + i, 1 + i), true);
        default -> key("data", new byte[] {0, (byte) i}, (long) -i);
      };
      Value v = switch (i % 5) {
        case 0 -> Wire.u64Value(i);
        case 1 -> Wire.stringValue("value " + i);
        case 2 -> Wire.bytesValue(new byte[] {(byte) i, 0, (byte) 0xff});
        case 3 -> Wire.v8Value(new byte[] {(byte) 0xff, 0x0f, 0x49, (byte) (i * 2)});
        default -> Wire.jsonValue(com.google.protobuf.Value.newBuilder().setStructValue(
            Struct.newBuilder()
                .putFields("n", num(i))
                .putFields("a", num(i % 3))
                .putFields("tags", com.google.protobuf.Value.newBuilder().setListValue(
                    ListValue.newBuilder().addValues(num(1)).addValues(
                        com.google.protobuf.Value.newBuilder().setStringValue("t" + i))).build()))
            .build());
      };
      keys.add(k);
      batch.add(set(k, v));
      if (batch.size() == 40) {
        commitOk(stub, atomic(batch.toArray(Mutation[]::new)));
        batch.clear();
      }
    }
    return keys;
  }

  private static com.google.protobuf.Value num(double d) {
    return com.google.protobuf.Value.newBuilder().setNumberValue(d).build();
  }

  /** Deletes keys that would expire while the test runs, so the checksum stays still. */
  private static void removeExpiring(RunningServer server) {
    KvServiceBlockingStub stub = server.stub();
    long soon = System.currentTimeMillis() + TimeUnit.DAYS.toMillis(1);
    for (Entry e : everything(stub)) {
      if (e.getExpiresAtMs() != 0 && e.getExpiresAtMs() < soon) {
        commitOk(stub, atomic(delete(e.getKey())));
      }
    }
  }

  /** SHA-256 of every stored entry (key, value, versionstamp, expiry), in key order. */
  static String checksum(RunningServer server) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
    for (Entry e : everything(server.stub())) {
      sha.update(e.toByteArray());
    }
    return HexFormat.of().formatHex(sha.digest());
  }
}
