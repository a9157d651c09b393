package dev.atomkv.server.model;

/**
 * One write of an atomic request.
 *
 * @param key encoded key (without the versionstamp suffix, which the engine appends at commit)
 * @param kind the operation
 * @param value the value to set, or for sum/min/max the u64 operand; null for delete
 * @param expiresAtMs absolute expiry time in Unix milliseconds, 0 for never (set only)
 * @param versionstampSuffix append the commit's versionstamp as a string part (set only)
 * @param where condition on the key's value before the request (set and delete only), or null
 * @param merge for {@link MutationKind#MERGE}, what computes the new value from the current one
 *     ({@code value} is then the operand, counted by the limits); null otherwise
 */
public record Mutation(byte[] key, MutationKind kind, Value value, long expiresAtMs,
    boolean versionstampSuffix, Where where, ValueMerge merge) {

  public Mutation(byte[] key, MutationKind kind, Value value, long expiresAtMs,
      boolean versionstampSuffix, Where where) {
    this(key, kind, value, expiresAtMs, versionstampSuffix, where, null);
  }

  public static Mutation set(byte[] key, Value value) {
    return new Mutation(key, MutationKind.SET, value, 0, false, null);
  }

  public static Mutation delete(byte[] key) {
    return new Mutation(key, MutationKind.DELETE, null, 0, false, null);
  }

  public static Mutation arithmetic(byte[] key, MutationKind kind, long operand) {
    return new Mutation(key, kind, Value.u64(operand), 0, false, null);
  }

  /** A read-modify-write of the key; {@code operand} is what the request carried. */
  public static Mutation merge(byte[] key, Value operand, ValueMerge merge) {
    return new Mutation(key, MutationKind.MERGE, operand, 0, false, null, merge);
  }

  /** Whether the mutation's condition (if any) holds for the value stored before the request. */
  public boolean conditionHolds(Value before) {
    return where == null || where.matchesOrEmpty(before);
  }
}
