package dev.atomkv.server.model.tenant;

import dev.atomkv.server.model.KvException;
import java.nio.ByteBuffer;

/**
 * One tenant's record in the registry. Every limit is 0 for "none of its own": a rate limit then
 * falls back to the server-wide default, a quota means unlimited.
 *
 * @param requestsPerSecond calls admitted per second
 * @param readUnitsPerMinute read volume per minute, in 10 KB units
 * @param writeUnitsPerMinute write volume per minute, in 10 KB units
 * @param maxBytes stored bytes (keys and values) the tenant may hold
 * @param maxKeys keys the tenant may hold
 * @param deleting the tenant was deleted: its tokens are gone and its data is being removed
 */
public record TenantSettings(String name, long createdAtMs, boolean deleting,
    long requestsPerSecond, long readUnitsPerMinute, long writeUnitsPerMinute, long maxBytes,
    long maxKeys) {
  private static final byte FORMAT = 1;

  public TenantSettings {
    String problem = TenantKeys.nameProblem(name);
    if (problem != null && !TenantKeys.DEFAULT.equals(name)) {
      throw KvException.invalid(problem);
    }
    nonNegative("requests_per_second", requestsPerSecond);
    nonNegative("read_units_per_minute", readUnitsPerMinute);
    nonNegative("write_units_per_minute", writeUnitsPerMinute);
    nonNegative("max_bytes", maxBytes);
    nonNegative("max_keys", maxKeys);
  }

  public static TenantSettings created(String name, long nowMs) {
    return new TenantSettings(name, nowMs, false, 0, 0, 0, 0, 0);
  }

  public TenantSettings markDeleting() {
    return new TenantSettings(name, createdAtMs, true, requestsPerSecond, readUnitsPerMinute,
        writeUnitsPerMinute, maxBytes, maxKeys);
  }

  public TenantSettings withLimits(long rps, long readUnits, long writeUnits, long bytes,
      long keys) {
    return new TenantSettings(name, createdAtMs, deleting, rps, readUnits, writeUnits, bytes, keys);
  }

  public byte[] encode() {
    return ByteBuffer.allocate(2 + 7 * Long.BYTES)
        .put(FORMAT).put((byte) (deleting ? 1 : 0)).putLong(createdAtMs)
        .putLong(requestsPerSecond).putLong(readUnitsPerMinute).putLong(writeUnitsPerMinute)
        .putLong(maxBytes).putLong(maxKeys).putLong(0)
        .array();
  }

  public static TenantSettings decode(String name, byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    if (b.get() != FORMAT) {
      throw new IllegalStateException("unknown tenant record format for tenant " + name);
    }
    boolean deleting = b.get() == 1;
    return new TenantSettings(name, b.getLong(), deleting, b.getLong(), b.getLong(), b.getLong(),
        b.getLong(), b.getLong());
  }

  /** Whether {@code usage} after a write that grew it breaks a quota; null when it does not. */
  public String quotaProblem(Usage before, Usage after) {
    if (maxBytes > 0 && after.bytes() > maxBytes && after.bytes() > before.bytes()) {
      return "tenant '" + name + "' is over its storage quota: " + after.bytes()
          + " bytes stored would exceed max_bytes " + maxBytes;
    }
    if (maxKeys > 0 && after.keys() > maxKeys && after.keys() > before.keys()) {
      return "tenant '" + name + "' is over its key quota: " + after.keys()
          + " keys would exceed max_keys " + maxKeys;
    }
    return null;
  }

  private static void nonNegative(String field, long value) {
    if (value < 0) {
      throw KvException.invalid(field + " must be >= 0, got " + value);
    }
  }
}
