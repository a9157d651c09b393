package dev.atomkv.it;

import static dev.atomkv.it.Wire.atomic;
import static dev.atomkv.it.Wire.bytesValue;
import static dev.atomkv.it.Wire.commitOk;
import static dev.atomkv.it.Wire.delete;
import static dev.atomkv.it.Wire.key;
import static dev.atomkv.it.Wire.list;
import static dev.atomkv.it.Wire.set;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.GetRequest;
import dev.atomkv.proto.v1.Key;
import dev.atomkv.proto.v1.KvServiceGrpc.KvServiceBlockingStub;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk and a full LMDB map, through the real server under concurrent writers: writes are
 * refused with RESOURCE_EXHAUSTED, every acknowledged write is there with its versionstamp and no
 * refused one is, reads keep working, the data set from before is unchanged, writes succeed again
 * once space is freed, and the store opens cleanly after a restart.
 */
class StorageFullIT {
  private static final int WRITERS = 8;
  private static final int VALUE_BYTES = 32 * 1024;

  @TempDir Path dir;

  @Test
  void fullDiskRefusesWritesAndRecoversWhenSpaceIsFreed() throws Exception {
    try (SmallFilesystem fs = SmallFilesystem.mount(dir, 24L << 20)) {
      // Ballast that the test deletes later, to free space the way an operator would.
      Path ballast = fs.root().resolve("ballast");
      Files.write(ballast, new byte[6 << 20]);
      Path data = fs.root().resolve("data");
      try (RunningServer server = RunningServer.start(data)) {
        String seed = seed(server.stub());
        Outcomes outcomes = fillUntilRefused(server);
        assertStillIntact(server.stub(), seed, outcomes);
        assertTrue(fs.freeBytes() < 1 << 20, () -> "the disk is not full: " + fs.freeBytes());

        Files.delete(ballast);
        commitOk(server.stub(), atomic(set(key("after", "space freed"), bytesValue(VALUE_BYTES))));

        server.restart();
        assertStillIntact(server.stub(), seed, outcomes);
        commitOk(server.stub(), atomic(set(key("after", "restart"), bytesValue(VALUE_BYTES))));
      }
    }
  }

  @Test
  void fullMapRefusesWritesAndRecoversWhenTheMapGrows() throws Exception {
    Path data = dir.resolve("data");
    try (RunningServer server = RunningServer.start(data, "--map-size=8m")) {
      String seed = seed(server.stub());
      Outcomes outcomes = fillUntilRefused(server);
      assertStillIntact(server.stub(), seed, outcomes);
      int deleted = 0;
      int refusedDeletes = 0;
      for (Key k : new ArrayList<>(outcomes.acknowledged.keySet()).subList(0, 40)) {
        try {
          commitOk(server.stub(), atomic(delete(k)));
          outcomes.acknowledged.remove(k);
          deleted++;
        } catch (StatusRuntimeException e) {
          assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
          refusedDeletes++;
        }
      }
      System.out.println("StorageFullIT: in the full map " + deleted + " single-key deletes "
          + "committed, " + refusedDeletes + " refused");
      assertStillIntact(server.stub(), seed, outcomes);

      // The map size is a cap, not a property of the file: a larger one makes room at once.
      server.close();
      try (RunningServer bigger = RunningServer.start(data, "--map-size=64m")) {
        assertStillIntact(bigger.stub(), seed, outcomes);
        Key after = key("after", "map grown");
        commitOk(bigger.stub(), atomic(set(after, bytesValue(VALUE_BYTES))));
        assertEquals(VALUE_BYTES, Wire.get(bigger.stub(), after).getValue().getBytes().size());
      }
    }
  }

  /** What happened to each write of {@link #fillUntilRefused}. */
  private record Outcomes(Map<Key, ByteString> acknowledged, Set<Key> refused,
      List<String> messages) {}

  /**
   * {@link #WRITERS} threads write {@link #VALUE_BYTES}-byte values at fresh keys until each has
   * been refused a few times, so refusals happen inside batches shared with other requests.
   */
  private static Outcomes fillUntilRefused(RunningServer server) throws Exception {
    Outcomes outcomes = new Outcomes(new ConcurrentHashMap<>(), ConcurrentHashMap.newKeySet(),
        new CopyOnWriteArrayList<>());
    AtomicInteger others = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
    try {
      List<Future<?>> writers = new ArrayList<>();
      for (int t = 0; t < WRITERS; t++) {
        int writer = t;
        writers.add(pool.submit(() -> {
          int refusals = 0;
          for (int i = 0; i < 4000 && refusals < 5; i++) {
            Key k = key("fill", writer, i);
            try {
              ByteString vs = server.stub().atomic(atomic(set(k, bytesValue(VALUE_BYTES))))
                  .getVersionstamp();
              outcomes.acknowledged.put(k, vs);
            } catch (StatusRuntimeException e) {
              if (e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                outcomes.refused.add(k);
                outcomes.messages.add(e.getStatus().getDescription());
                refusals++;
              } else {
                others.incrementAndGet();
                outcomes.messages.add(e.getStatus().toString());
              }
            }
          }
        }));
      }
      for (Future<?> f : writers) {
        f.get(5, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.println("StorageFullIT: " + outcomes.acknowledged.size() + " writes acknowledged, "
        + outcomes.refused.size() + " refused; messages " + Set.copyOf(outcomes.messages));
    assertEquals(0, others.get(), () -> "statuses other than RESOURCE_EXHAUSTED: "
        + outcomes.messages);
    assertFalse(outcomes.refused.isEmpty(), "storage never filled up");
    assertFalse(outcomes.acknowledged.isEmpty(), "nothing was written before storage filled up");
    for (String m : outcomes.messages) {
      assertTrue(m.contains("full"), () -> "refusal that does not say storage is full: " + m);
    }
    return outcomes;
  }

  /** Writes a small data set of its own and returns its checksum. */
  private static String seed(KvServiceBlockingStub stub) {
    for (int i = 0; i < 50; i++) {
      commitOk(stub, atomic(set(key("seed", i), Wire.stringValue("value " + i)),
          Wire.sum(key("seed", "counter"), 1)));
    }
    return seedChecksum(stub);
  }

  private static String seedChecksum(KvServiceBlockingStub stub) {
    StringBuilder all = new StringBuilder();
    for (Entry e : list(stub, key("seed"))) {
      all.append(HexFormat.of().formatHex(e.toByteArray())).append('\n');
    }
    return all.toString();
  }

  /** Reads work; the seed data is unchanged; acknowledged writes are there and refused are not. */
  private static void assertStillIntact(KvServiceBlockingStub stub, String seed,
      Outcomes outcomes) {
    assertEquals(seed, seedChecksum(stub), "the data written before storage filled up changed");
    List<Key> acked = new ArrayList<>(outcomes.acknowledged.keySet());
    for (int i = 0; i < acked.size(); i += 50) {
      List<Key> some = acked.subList(i, Math.min(i + 50, acked.size()));
      List<Entry> found = stub.get(GetRequest.newBuilder().addAllKeys(some).build())
          .getEntriesList();
      for (int j = 0; j < some.size(); j++) {
        Key k = some.get(j);
        assertEquals(outcomes.acknowledged.get(k), found.get(j).getVersionstamp(),
            () -> "acknowledged write lost or changed: " + k);
        assertEquals(VALUE_BYTES, found.get(j).getValue().getBytes().size());
      }
    }
    List<Key> refused = new ArrayList<>(outcomes.refused);
    for (int i = 0; i < refused.size(); i += 50) {
      List<Key> some = refused.subList(i, Math.min(i + 50, refused.size()));
      for (Entry e : stub.get(GetRequest.newBuilder().addAllKeys(some).build())
          .getEntriesList()) {
        assertFalse(e.hasValue(), () -> "a refused write was applied: " + e.getKey());
      }
    }
  }
}
