package dev.atomkv.server.engine;

import java.util.Arrays;

/**
 * A prefix every key of a view of the store carries (a tenant's, see
 * {@link dev.atomkv.server.model.tenant.TenantKeys#dataPrefix}): keys gain it on the way in and
 * lose it on the way out, so what is above the view never sees it.
 */
public record KeyPrefix(byte[] bytes) {
  public byte[] in(byte[] key) {
    byte[] out = Arrays.copyOf(bytes, bytes.length + key.length);
    System.arraycopy(key, 0, out, bytes.length, key.length);
    return out;
  }

  public byte[] strip(byte[] key) {
    return Arrays.copyOfRange(key, bytes.length, key.length);
  }

  public StoredEntry out(StoredEntry e) {
    return new StoredEntry(strip(e.key()), e.value(), e.versionstamp(), e.expiresAtMs());
  }
}
