package dev.atomkv.server.model;

/**
 * One write of an atomic request.
 *
 * @param key encoded key (without the versionstamp suffix, which the engine appends at commit)
 * @param kind the operation
 * @param value the value to set, or for sum/min/max the u64 operand; null for delete
 * @param expiresAtMs absolute expiry time in Unix milliseconds, 0 for never (set only)
 * @param versionstampSuffix append the commit's versionstamp as a string part (set only)
 */
public record Mutation(byte[] key, MutationKind kind, Value value, long expiresAtMs,
    boolean versionstampSuffix) {

  public static Mutation set(byte[] key, Value value) {
    return new Mutation(key, MutationKind.SET, value, 0, false);
  }

  public static Mutation delete(byte[] key) {
    return new Mutation(key, MutationKind.DELETE, null, 0, false);
  }

  public static Mutation arithmetic(byte[] key, MutationKind kind, long operand) {
    return new Mutation(key, kind, Value.u64(operand), 0, false);
  }
}
