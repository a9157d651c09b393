package dev.atomkv.server.engine.apply;

import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.model.Enqueue;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.Versionstamp;
import dev.atomkv.server.model.tenant.Usage;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * One tenant's part of a {@link WriteView}: keys given to it are tenant-relative and go to the
 * store behind the tenant's prefix, keys it hands back have the prefix taken off. Entity writes
 * work through it, so a tenant's definitions, documents and index entries are kept exactly as the
 * default tenant's are, and every key they read or write stays inside the tenant's range.
 */
final class TenantWriteView implements WriteView {
  private final WriteView store;
  private final byte[] prefix;

  TenantWriteView(WriteView store, byte[] prefix) {
    this.store = store;
    this.prefix = prefix;
  }

  @Override
  public StoredEntry live(byte[] key, long nowMs) {
    StoredEntry e = store.live(in(key), nowMs);
    return e == null ? null : out(e);
  }

  @Override
  public void put(byte[] key, Value value, Versionstamp vs, long expiresAtMs) {
    store.put(in(key), value, vs, expiresAtMs);
  }

  @Override
  public boolean anyLive(byte[] start, byte[] end, long nowMs) {
    return store.anyLive(in(start), in(end), nowMs);
  }

  @Override
  public byte[] scanLive(byte[] start, byte[] end, int limit, long nowMs,
      Consumer<StoredEntry> live) {
    byte[] last = store.scanLive(in(start), in(end), limit, nowMs, e -> live.accept(out(e)));
    return last == null ? null : strip(last);
  }

  @Override
  public boolean delete(byte[] key) {
    return store.delete(in(key));
  }

  @Override
  public void enqueue(Versionstamp vs, int index, Enqueue enqueue) {
    throw new IllegalStateException("entity writes never enqueue");
  }

  @Override
  public Usage usage(String tenant) {
    return store.usage(tenant);
  }

  private byte[] in(byte[] key) {
    byte[] out = Arrays.copyOf(prefix, prefix.length + key.length);
    System.arraycopy(key, 0, out, prefix.length, key.length);
    return out;
  }

  private byte[] strip(byte[] key) {
    return Arrays.copyOfRange(key, prefix.length, key.length);
  }

  private StoredEntry out(StoredEntry e) {
    return new StoredEntry(strip(e.key()), e.value(), e.versionstamp(), e.expiresAtMs());
  }
}
