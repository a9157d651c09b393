package dev.atomkv.server.model;

/**
 * A condition on the state before the request: exactly one of an expected versionstamp, absence,
 * or a filter the key's json value must match.
 *
 * @param key encoded key
 * @param expectedVersionstamp the versionstamp the key must carry, or null
 * @param where the filter the key's json value must match, or null
 */
public record Check(byte[] key, Versionstamp expectedVersionstamp, Where where) {

  public static Check absent(byte[] key) {
    return new Check(key, null, null);
  }

  public static Check versionstamp(byte[] key, Versionstamp vs) {
    return new Check(key, vs, null);
  }

  public static Check where(byte[] key, Where where) {
    return new Check(key, null, where);
  }

  /**
   * Whether the check holds for what is stored.
   *
   * @param versionstamp the key's versionstamp, null when missing or expired
   * @param value the key's value, null when missing or expired
   */
  public boolean holds(Versionstamp versionstamp, Value value) {
    if (where != null) {
      return where.matchesStored(value);
    }
    return expectedVersionstamp == null
        ? versionstamp == null : expectedVersionstamp.equals(versionstamp);
  }
}
