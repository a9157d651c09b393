package dev.atomkv.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.Check;
import dev.atomkv.proto.v1.Enqueue;
import dev.atomkv.proto.v1.Mutation;
import java.time.Duration;
import java.util.Objects;

/**
 * An all-or-nothing conditional write, built up and then {@link #commit() committed} as one Atomic
 * request: every check is evaluated against the state before the request; if all hold, the
 * mutations apply in the order they were added.
 *
 * <pre>{@code
 * KvEntry alice = kv.get(Key.of("users", "alice"));
 * CommitResult r = kv.atomic()
 *     .check(alice)                                // unchanged since read (or still missing)
 *     .set(Key.of("users", "alice"), KvValue.of("new"))
 *     .sum(Key.of("stats", "writes"), 1)
 *     .commit();
 * if (!r.ok()) { ... someone else wrote first: re-read and try again ... }
 * }</pre>
 *
 * <p>Checks and writes can also test attributes of JSON documents (Atlassian Forge's transaction
 * conditions), see {@link Filter} and {@link Where}:
 *
 * <pre>{@code
 * import static dev.atomkv.client.Condition.*;
 * import static dev.atomkv.client.Where.where;
 *
 * CommitResult r = kv.atomic()
 *     .check(Key.of("employee5"), Filter.and("nationality", equalTo("Australian")))
 *     .set(Key.of("employee2"), KvValue.json(Map.of("surname", "Smith")),
 *         where(Filter.and("surname", beginsWith("S"))))
 *     .delete(Key.of("employee4"), where(Filter.and("leaving", exists())))
 *     .commit();
 * // not ok: r.failedChecks() lists failed checks, r.failedConditions() failed set/delete conditions
 * }</pre>
 *
 * <p>Not thread-safe. Each {@link #commit()} sends the request built so far.
 */
public final class AtomicOperation {
  private final KvClient client;
  private final AtomicRequest.Builder request = AtomicRequest.newBuilder();

  AtomicOperation(KvClient client) {
    this.client = client;
  }

  /**
   * Checks that each entry's key is still as read: written last by the same commit (its
   * versionstamp), or still missing when the entry does not exist.
   */
  public AtomicOperation check(KvEntry... entries) {
    for (KvEntry entry : entries) {
      check(entry.key(), entry.versionstamp());
    }
    return this;
  }

  /**
   * Checks that the key was written last by the commit with this versionstamp; a null versionstamp
   * (as a missing {@link KvEntry} has) checks that the key is absent. For a literal absent check
   * write {@link #checkAbsent(Key)}: {@code check(key, null)} is ambiguous with {@link #check(Key,
   * Filter)}.
   */
  public AtomicOperation check(Key key, Versionstamp versionstamp) {
    if (versionstamp == null) {
      return checkAbsent(key);
    }
    request.addChecks(Check.newBuilder()
        .setKey(ProtoMapping.toProto(key))
        .setVersionstamp(ByteString.copyFrom(versionstamp.toBytes())));
    return this;
  }

  /** Checks that the key does not exist (an expired key does not exist). */
  public AtomicOperation checkAbsent(Key key) {
    request.addChecks(Check.newBuilder()
        .setKey(ProtoMapping.toProto(key))
        .setAbsent(Empty.getDefaultInstance()));
    return this;
  }

  /**
   * Checks that the key exists, holds a JSON value, and the filter matches that document (Forge's
   * {@code check}). A missing key or a value of another kind fails the check.
   */
  public AtomicOperation check(Key key, Filter filter) {
    request.addChecks(Check.newBuilder()
        .setKey(ProtoMapping.toProto(key))
        .setWhere(ProtoMapping.toProto(Objects.requireNonNull(filter, "filter"))));
    return this;
  }

  /**
   * Stores a document of a custom entity (see {@link KvEntity}); the value must be a JSON object
   * whose attributes have the entity's types. Its index entries are written in the same commit.
   */
  public AtomicOperation set(String entity, Key key, KvValue value) {
    request.addMutations(mutation(key).setEntity(entity).setSet(ProtoMapping.toProto(value)));
    return this;
  }

  /** Stores a document of a custom entity if its current value matches the condition. */
  public AtomicOperation set(String entity, Key key, KvValue value, Where where) {
    request.addMutations(mutation(key, where).setEntity(entity)
        .setSet(ProtoMapping.toProto(value)));
    return this;
  }

  /** Deletes a document of a custom entity with its index entries. */
  public AtomicOperation delete(String entity, Key key) {
    request.addMutations(mutation(key).setEntity(entity).setDelete(Empty.getDefaultInstance()));
    return this;
  }

  /** Deletes a document of a custom entity if its current value matches the condition. */
  public AtomicOperation delete(String entity, Key key, Where where) {
    request.addMutations(mutation(key, where).setEntity(entity)
        .setDelete(Empty.getDefaultInstance()));
    return this;
  }

  /** Checks that a document of a custom entity exists and matches the filter. */
  public AtomicOperation check(String entity, Key key, Filter filter) {
    request.addChecks(Check.newBuilder().setEntity(entity)
        .setKey(ProtoMapping.toProto(key))
        .setWhere(ProtoMapping.toProto(Objects.requireNonNull(filter, "filter"))));
    return this;
  }

  /** Checks that a document of a custom entity does not exist. */
  public AtomicOperation checkAbsent(String entity, Key key) {
    request.addChecks(Check.newBuilder().setEntity(entity)
        .setKey(ProtoMapping.toProto(key))
        .setAbsent(Empty.getDefaultInstance()));
    return this;
  }

  /** Stores the value, clearing any earlier expiry. */
  public AtomicOperation set(Key key, KvValue value) {
    request.addMutations(mutation(key).setSet(ProtoMapping.toProto(value)));
    return this;
  }

  /**
   * Stores the value, to expire {@code expireIn} after the server accepts the request (rounded up
   * to whole milliseconds).
   *
   * @throws IllegalArgumentException unless {@code expireIn} is positive
   */
  public AtomicOperation set(Key key, KvValue value, Duration expireIn) {
    request.addMutations(mutation(key)
        .setSet(ProtoMapping.toProto(value))
        .setExpireInMs(expireInMillis(expireIn)));
    return this;
  }

  /**
   * Stores the value, clearing any earlier expiry, if the key's current value matches the
   * condition (see {@link Where}: a missing key or a non-JSON value counts as {@code {}}). If it
   * does not, the whole commit fails and this mutation's index is in {@link
   * CommitResult#failedConditions()}.
   */
  public AtomicOperation set(Key key, KvValue value, Where where) {
    request.addMutations(mutation(key, where).setSet(ProtoMapping.toProto(value)));
    return this;
  }

  /**
   * Stores the value, to expire as for {@link #set(Key, KvValue, Duration)}, if the key's current
   * value matches the condition, as for {@link #set(Key, KvValue, Where)}.
   *
   * @throws IllegalArgumentException unless {@code expireIn} is positive
   */
  public AtomicOperation set(Key key, KvValue value, Duration expireIn, Where where) {
    long expireInMs = expireInMillis(expireIn);
    request.addMutations(mutation(key, where)
        .setSet(ProtoMapping.toProto(value))
        .setExpireInMs(expireInMs));
    return this;
  }

  /**
   * Stores the value under {@code prefix} plus one more string part: this commit's versionstamp as
   * 20 lowercase hex characters (Deno's {@code commitVersionstamp()}), for append-only logs.
   * The key found by a later List is {@code prefix.append(result.versionstamp().toString())}.
   */
  public AtomicOperation setWithVersionstampSuffix(Key prefix, KvValue value) {
    request.addMutations(mutation(prefix)
        .setSet(ProtoMapping.toProto(value))
        .setVersionstampSuffix(true));
    return this;
  }

  /** Removes the key; removing a missing key is fine. */
  public AtomicOperation delete(Key key) {
    request.addMutations(mutation(key).setDelete(Empty.getDefaultInstance()));
    return this;
  }

  /**
   * Removes the key if its current value matches the condition (see {@link Where}: a missing key
   * or a non-JSON value counts as {@code {}}). If it does not, the whole commit fails and this
   * mutation's index is in {@link CommitResult#failedConditions()}.
   */
  public AtomicOperation delete(Key key, Where where) {
    request.addMutations(mutation(key, where).setDelete(Empty.getDefaultInstance()));
    return this;
  }

  /**
   * Adds to a u64 counter, wrapping modulo 2^64; a missing key starts from the operand. The
   * operand is unsigned (pass -1 for 2^64-1). Any other value kind fails the whole commit with
   * FAILED_PRECONDITION.
   */
  public AtomicOperation sum(Key key, long u64) {
    request.addMutations(mutation(key).setSum(u64));
    return this;
  }

  /** Keeps the smaller of a u64 value and the unsigned operand; a missing key stores the operand. */
  public AtomicOperation min(Key key, long u64) {
    request.addMutations(mutation(key).setMin(u64));
    return this;
  }

  /** Keeps the larger of a u64 value and the unsigned operand; a missing key stores the operand. */
  public AtomicOperation max(Key key, long u64) {
    request.addMutations(mutation(key).setMax(u64));
    return this;
  }

  /**
   * Enqueues a message, delivered at once to one queue listener ({@link KvClient#listenQueue}),
   * if and only if this operation commits.
   */
  public AtomicOperation enqueue(KvValue value) {
    return enqueue(value, EnqueueOptions.defaults());
  }

  /**
   * Enqueues a message with a delay, undelivered keys and a backoff schedule (see {@link
   * EnqueueOptions}), if and only if this operation commits: a failed check enqueues nothing.
   * Enqueues count against the mutation limit.
   */
  public AtomicOperation enqueue(KvValue value, EnqueueOptions options) {
    Objects.requireNonNull(options, "options");
    Enqueue.Builder e = Enqueue.newBuilder()
        .setPayload(ProtoMapping.toProto(Objects.requireNonNull(value, "value")))
        .setDelayMs(ceilMillis(options.delay()));
    for (Key k : options.keysIfUndelivered()) {
      e.addKeysIfUndelivered(ProtoMapping.toProto(k));
    }
    if (options.backoffSchedule() != null) {
      if (options.backoffSchedule().isEmpty()) {
        e.setNoRetries(true);
      }
      for (Duration d : options.backoffSchedule()) {
        e.addBackoffScheduleMs(ceilMillis(d));
      }
    }
    request.addEnqueues(e);
    return this;
  }

  /**
   * Sends the request once; the client never retries it.
   *
   * @return {@code ok=true} with the versionstamp once the write is durable, or {@code ok=false}
   *     with the indexes of the failed checks and of the mutations whose conditions failed
   *     (nothing written)
   * @throws CommitOutcomeUnknownException on DEADLINE_EXCEEDED, UNAVAILABLE or CANCELLED without
   *     a NOT_APPLIED reason: the commit may have landed; re-read before deciding
   * @throws KvException when the server refused the request (nothing written); {@link
   *     KvException#isNotApplied()} marks one that is safe to send again
   */
  public CommitResult commit() {
    return client.commit(request.build());
  }

  private static Mutation.Builder mutation(Key key) {
    return Mutation.newBuilder().setKey(ProtoMapping.toProto(key));
  }

  private static Mutation.Builder mutation(Key key, Where where) {
    Objects.requireNonNull(where, "where");
    return mutation(key).setWhere(ProtoMapping.toProto(where.filter()));
  }

  /** Whole milliseconds, rounded up so that a delay is never shortened; negative stays negative. */
  private static long ceilMillis(Duration d) {
    long millis = d.toMillis();
    return d.isNegative() || d.minusMillis(millis).isZero() ? millis : millis + 1;
  }

  static long expireInMillis(Duration expireIn) {
    Objects.requireNonNull(expireIn, "expireIn");
    if (expireIn.isNegative() || expireIn.isZero()) {
      throw new IllegalArgumentException("expireIn must be positive, got " + expireIn);
    }
    // Rounding up keeps a sub-millisecond expiry from turning into 0, which means "never".
    long millis = expireIn.toMillis();
    return expireIn.minusMillis(millis).isZero() ? millis : millis + 1;
  }
}
