package dev.atomkv.server.model;

/**
 * A condition on the state before the request.
 *
 * @param key encoded key
 * @param expectedVersionstamp the versionstamp the key must carry, or null: the key must be absent
 */
public record Check(byte[] key, Versionstamp expectedVersionstamp) {

  public static Check absent(byte[] key) {
    return new Check(key, null);
  }

  public static Check versionstamp(byte[] key, Versionstamp vs) {
    return new Check(key, vs);
  }

  /** Whether the check holds for what is stored (null when the key is missing or expired). */
  public boolean holds(Versionstamp current) {
    return expectedVersionstamp == null ? current == null : expectedVersionstamp.equals(current);
  }
}
