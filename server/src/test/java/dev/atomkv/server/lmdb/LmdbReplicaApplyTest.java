package dev.atomkv.server.lmdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.atomkv.server.engine.EngineOptions;
import dev.atomkv.server.engine.LogPosition;
import dev.atomkv.server.engine.ReplicaStore;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.Check;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.Value;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A replicated log entry of several requests is applied in order and committed as one. */
class LmdbReplicaApplyTest {
  @TempDir Path dir;

  @Test
  void anEntryOfSeveralRequestsCommitsWholeWithItsPositionEvenPastTheBatchLimit() {
    // Batches of 2 at most: an entry of 5 must still land in one commit with its position, or
    // a restart between two commits would skip the rest of the entry.
    EngineOptions options = EngineOptions.builder(dir).maxBatchRequests(2).build();
    long entryTime = 1_700_000_000_000_000L;
    List<AtomicWrite> writes = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      writes.add(new AtomicWrite(i == 3 ? List.of(Check.absent(key(0))) : List.of(),
          List.of(Mutation.set(key(i), Value.string("v" + i)))));
    }
    LogPosition position = new LogPosition(3, 17);
    try (ReplicaStore store = LmdbEngine.openReplica(options)) {
      long batchesBefore = store.stats().batches();
      List<CompletableFuture<CommitResult>> answers = store.applyAll(writes, entryTime, position);
      List<CommitResult> results = answers.stream().map(CompletableFuture::join).toList();

      assertEquals(batchesBefore + 1, store.stats().batches());
      assertEquals(position, store.lastApplied());
      // Each request is stamped as an entry of its own would be: one version each, in order.
      assertEquals(entryTime, results.get(0).versionstamp().commitVersion());
      assertEquals(entryTime + 1, results.get(1).versionstamp().commitVersion());
      assertEquals(entryTime + 2, results.get(2).versionstamp().commitVersion());
      // The fourth checked that key 0 is absent, judged after the first had set it; refused, it
      // takes no version, so the fifth is stamped as it would be in a batch of its own.
      assertFalse(results.get(3).ok());
      assertEquals(entryTime + 3, results.get(4).versionstamp().commitVersion());
      assertNull(store.get(List.of(key(3))).get(0));
      assertArrayEquals(Value.string("v4").payload(),
          store.get(List.of(key(4))).get(0).value().payload());
    }
  }

  private static byte[] key(int i) {
    return ("k" + i).getBytes(StandardCharsets.UTF_8);
  }
}
