package dev.atomkv.server.model.tenant;

/**
 * What a tenant stores: its live and not yet swept keys, and their bytes (each key's bytes without
 * the tenant prefix, plus its value's payload). Kept exactly, in the same transaction as every
 * write, so a quota is judged on the state the write leaves.
 */
public record Usage(long bytes, long keys) {
  public static final Usage NONE = new Usage(0, 0);

  public Usage plus(long deltaBytes, long deltaKeys) {
    return new Usage(bytes + deltaBytes, keys + deltaKeys);
  }
}
