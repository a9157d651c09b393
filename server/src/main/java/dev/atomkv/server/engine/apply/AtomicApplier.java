package dev.atomkv.server.engine.apply;

import dev.atomkv.server.engine.KeyChange;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.Check;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.Enqueue;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KeyCodec;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.ValueKind;
import dev.atomkv.server.model.Versionstamp;
import java.util.ArrayList;
import java.util.List;

/**
 * The semantics of one atomic request, apart from any storage or any way of ordering requests:
 * every write path (the single-node group-commit writer; a replicated state machine) applies
 * requests through here, given the commit's versionstamp and the request's time, so that replicas
 * given the same inputs reach the same state.
 *
 * <p>A {@link KvException} thrown from {@link #apply} means the request must be rolled back as a
 * whole: the view may hold some of its writes by then.
 */
public final class AtomicApplier {
  private AtomicApplier() {}

  /**
   * Applies {@code write} to {@code view}.
   *
   * @param vs the versionstamp of the request's commit, stored with every key it writes
   * @param nowMs the request's time: expiry is judged against it, never against a local clock
   * @throws KvException FAILED_PRECONDITION when a mutation cannot apply to the stored value,
   *     QUOTA_EXCEEDED when the request would take its tenant past a storage quota
   */
  public static Applied apply(WriteView view, AtomicWrite write, Versionstamp vs, long nowMs) {
    CommitResult refused = evaluateChecks(view, write, nowMs);
    if (refused != null) {
      return new Applied(refused, List.of());
    }
    List<KeyChange> changes = new ArrayList<>(write.mutations().size());
    EntityWrites entities = new EntityWrites();
    QuotaGuard quotas = QuotaGuard.before(view, write, nowMs);
    for (int i = 0; i < write.mutations().size(); i++) {
      mutate(view, write.mutations().get(i), i, entities, vs, nowMs, changes);
    }
    quotas.check(view);
    List<Enqueue> enqueues = write.enqueues();
    for (int i = 0; i < enqueues.size(); i++) {
      view.enqueue(vs, i, enqueues.get(i));
    }
    return new Applied(CommitResult.committed(vs), changes);
  }

  /**
   * Every check and every condition sees the state before the request, and all are evaluated so
   * that the caller learns every reason at once. Null when they all hold.
   */
  private static CommitResult evaluateChecks(WriteView view, AtomicWrite write, long nowMs) {
    List<Integer> failedChecks = new ArrayList<>();
    List<Check> checks = write.checks();
    for (int i = 0; i < checks.size(); i++) {
      StoredEntry current = view.live(checks.get(i).key(), nowMs);
      if (!checks.get(i).holds(current == null ? null : current.versionstamp(),
          current == null ? null : current.value())) {
        failedChecks.add(i);
      }
    }
    List<Integer> failedConditions = new ArrayList<>();
    List<Mutation> mutations = write.mutations();
    for (int i = 0; i < mutations.size(); i++) {
      Mutation m = mutations.get(i);
      if (m.where() != null) {
        StoredEntry current = view.live(m.key(), nowMs);
        if (!m.conditionHolds(current == null ? null : current.value())) {
          failedConditions.add(i);
        }
      }
    }
    return failedChecks.isEmpty() && failedConditions.isEmpty()
        ? null : CommitResult.failed(failedChecks, failedConditions);
  }

  private static void mutate(WriteView view, Mutation m, int index, EntityWrites entities,
      Versionstamp vs, long nowMs, List<KeyChange> changes) {
    boolean entity = EntityWrites.handles(m.key());
    switch (m.kind()) {
      case SET -> {
        byte[] key = m.versionstampSuffix()
            ? KeyCodec.appendString(m.key(), vs.toString()) : m.key();
        if (entity) {
          entities.set(view, key, m.value(), vs, m.expiresAtMs(), nowMs,
              "mutations[" + index + "]");
        } else {
          view.put(key, m.value(), vs, m.expiresAtMs());
        }
        changes.add(new KeyChange(key, vs, false));
      }
      case DELETE -> {
        if (entity ? entities.delete(view, m.key(), nowMs) : view.delete(m.key())) {
          changes.add(new KeyChange(m.key(), vs, true));
        }
      }
      case SUM, MIN, MAX, MERGE -> {
        if (entity) {
          // The edges never send these for an entity; refusing keeps its indexes exact regardless.
          throw KvException.invalid("mutations[" + index + "]: " + m.kind().wireName()
              + " cannot write an entity document");
        }
        readModifyWrite(view, m, vs, nowMs, changes);
      }
      default -> throw new IllegalStateException("unknown mutation kind " + m.kind());
    }
  }

  private static void readModifyWrite(WriteView view, Mutation m, Versionstamp vs, long nowMs,
      List<KeyChange> changes) {
    switch (m.kind()) {
      case SUM, MIN, MAX -> {
        StoredEntry current = view.live(m.key(), nowMs);
        view.put(m.key(), Value.u64(arithmetic(m, current)), vs, 0);
        changes.add(new KeyChange(m.key(), vs, false));
      }
      case MERGE -> {
        StoredEntry current = view.live(m.key(), nowMs);
        view.put(m.key(), m.merge().apply(current == null ? null : current.value()), vs, 0);
        changes.add(new KeyChange(m.key(), vs, false));
      }
      default -> throw new IllegalStateException("unknown mutation kind " + m.kind());
    }
  }

  /** Deno's u64 arithmetic: a missing key takes the operand; a sum wraps mod 2^64 (KvU64). */
  private static long arithmetic(Mutation m, StoredEntry current) {
    long operand = m.value().asU64();
    if (current == null) {
      return operand;
    }
    if (current.value().kind() != ValueKind.U64) {
      throw new KvException(ErrorKind.FAILED_PRECONDITION, "Failed to perform '"
          + m.kind().wireName() + "' mutation on a non-U64 value in the database");
    }
    long stored = current.value().asU64();
    return switch (m.kind()) {
      case SUM -> stored + operand;
      case MIN -> Long.compareUnsigned(stored, operand) <= 0 ? stored : operand;
      default -> Long.compareUnsigned(stored, operand) >= 0 ? stored : operand;
    };
  }
}
