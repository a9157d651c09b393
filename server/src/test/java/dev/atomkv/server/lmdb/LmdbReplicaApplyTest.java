package dev.atomkv.server.lmdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.engine.EngineOptions;
import dev.atomkv.server.engine.LogPosition;
import dev.atomkv.server.engine.ProposalId;
import dev.atomkv.server.engine.ReplicaStore;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.Check;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.MutationKind;
import dev.atomkv.server.model.Value;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replicated log entry of several requests is applied in order and committed as one; a
 * proposal in the log twice is applied once.
 */
class LmdbReplicaApplyTest {
  /** An entry time, in microseconds. */
  private static final long T = 1_700_000_000_000_000L;

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
      List<CompletableFuture<CommitResult>> answers =
          store.applyAll(new ProposalId(0, 1, 1), writes, entryTime, position);
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

  /**
   * A proposer's retry reaches a new leader that holds the first copy but has not applied it, so
   * the log holds the proposal twice. Applied twice, the check-and-set below would be refused the
   * second time (its key exists by then) and the sum would count twice.
   */
  @Test
  void aProposalInTheLogTwiceIsAppliedOnceAndItsSecondCopyGetsTheFirstAnswer() {
    ProposalId retried = new ProposalId(7, 8, 42);
    List<AtomicWrite> writes = List.of(
        new AtomicWrite(List.of(Check.absent(key(1))),
            List.of(Mutation.set(key(1), Value.string("once")))),
        new AtomicWrite(List.of(), List.of(Mutation.arithmetic(key(2), MutationKind.SUM, 5))));
    List<CommitResult> first;
    try (ReplicaStore store = open()) {
      first = join(store.applyAll(retried, writes, T, new LogPosition(1, 5)));
      assertTrue(first.get(0).ok() && first.get(1).ok(), first.toString());
      join(store.applyAll(new ProposalId(7, 8, 43), List.of(new AtomicWrite(List.of(),
          List.of(Mutation.set(key(3), Value.string("other"))))), T + 10, new LogPosition(1, 6)));

      assertEquals(first, join(store.applyAll(retried, writes, T + 20, new LogPosition(2, 7))));
      assertEquals(new LogPosition(2, 7), store.lastApplied());
      assertEquals(5, store.get(List.of(key(2))).get(0).value().asU64());
    }
    // Remembered with the data: a copy after a restart is answered alike.
    try (ReplicaStore store = open()) {
      assertEquals(first, join(store.applyAll(retried, writes, T + 30, new LogPosition(2, 8))));
      assertEquals(5, store.get(List.of(key(2))).get(0).value().asU64());
      assertEquals(new LogPosition(2, 8), store.lastApplied());
    }
  }

  @Test
  void bothCopiesQueuedTogetherAreAppliedOnce() {
    ProposalId retried = new ProposalId(1, 2, 3);
    List<AtomicWrite> sum = sumOfOne(9);
    try (ReplicaStore store = open()) {
      List<CompletableFuture<CommitResult>> a =
          store.applyAll(retried, sum, T, new LogPosition(1, 1));
      List<CompletableFuture<CommitResult>> b =
          store.applyAll(retried, sum, T + 1, new LogPosition(1, 2));
      assertEquals(join(a), join(b));
      assertEquals(1, store.get(List.of(key(9))).get(0).value().asU64());
    }
  }

  @Test
  void aProposalIsForgottenOnceLaterEntriesArePastTheTimeItIsKept() {
    ProposalId old = new ProposalId(1, 1, 1);
    List<AtomicWrite> sum = sumOfOne(4);
    try (ReplicaStore store = open()) {
      join(store.applyAll(old, sum, T, new LogPosition(1, 1)));
      join(store.applyAll(old, sum, T + ReplicaStore.PROPOSALS_KEPT_MICROS - 1,
          new LogPosition(1, 2)));
      assertEquals(1, store.get(List.of(key(4))).get(0).value().asU64());
      // An entry past the time forgets it; a copy after that is a proposal of its own.
      long later = T + ReplicaStore.PROPOSALS_KEPT_MICROS + 1;
      join(store.applyAll(new ProposalId(1, 1, 2), List.of(new AtomicWrite(List.of(),
          List.of(Mutation.set(key(5), Value.string("later"))))), later, new LogPosition(1, 3)));
      join(store.applyAll(old, sum, later + 1, new LogPosition(1, 4)));
      assertEquals(2, store.get(List.of(key(4))).get(0).value().asU64());
    }
  }

  private ReplicaStore open() {
    return LmdbEngine.openReplica(EngineOptions.builder(dir).build());
  }

  /** An entry of one request: {@code sum 1} on key {@code k}. */
  private static List<AtomicWrite> sumOfOne(int k) {
    return List.of(
        new AtomicWrite(List.of(), List.of(Mutation.arithmetic(key(k), MutationKind.SUM, 1))));
  }

  private static List<CommitResult> join(List<CompletableFuture<CommitResult>> answers) {
    return answers.stream().map(CompletableFuture::join).toList();
  }

  private static byte[] key(int i) {
    return ("k" + i).getBytes(StandardCharsets.UTF_8);
  }
}
