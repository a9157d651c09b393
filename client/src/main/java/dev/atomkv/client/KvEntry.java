package dev.atomkv.client;

import java.time.Instant;
import java.util.Objects;

/**
 * A key with what is stored under it, as read by one snapshot. For a missing (or expired) key,
 * {@code value}, {@code versionstamp} and {@code expiresAt} are null and {@link #exists()} is false
 * (Deno's {@code { key, value: null, versionstamp: null }}).
 *
 * @param key the key (as requested for Get, as stored for List)
 * @param value the value, or null when the key is missing
 * @param versionstamp the versionstamp of the commit that last wrote the key, or null when missing
 * @param expiresAt when the key expires, or null if it never does (or is missing)
 */
public record KvEntry(Key key, KvValue value, Versionstamp versionstamp, Instant expiresAt) {
  public KvEntry {
    Objects.requireNonNull(key, "key");
    if ((value == null) != (versionstamp == null)) {
      throw new IllegalArgumentException("value and versionstamp must both be set or both be null");
    }
  }

  /** The entry of a missing key. */
  public static KvEntry missing(Key key) {
    return new KvEntry(key, null, null, null);
  }

  /** True when the key exists (has a value and a versionstamp). */
  public boolean exists() {
    return versionstamp != null;
  }
}
