package dev.atomkv.server.engine.apply;

import dev.atomkv.server.engine.KeyPrefix;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.model.Enqueue;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.Versionstamp;
import dev.atomkv.server.model.tenant.Usage;
import java.util.function.Consumer;

/**
 * One tenant's part of a {@link WriteView}: keys given to it are tenant-relative and go to the
 * store behind the tenant's prefix, keys it hands back have the prefix taken off. Entity writes
 * work through it, so a tenant's definitions, documents and index entries are kept exactly as the
 * default tenant's are, and every key they read or write stays inside the tenant's range.
 */
final class TenantWriteView implements WriteView {
  private final WriteView store;
  private final KeyPrefix prefix;

  TenantWriteView(WriteView store, byte[] prefix) {
    this.store = store;
    this.prefix = new KeyPrefix(prefix);
  }

  @Override
  public StoredEntry live(byte[] key, long nowMs) {
    StoredEntry e = store.live(prefix.in(key), nowMs);
    return e == null ? null : prefix.out(e);
  }

  @Override
  public void put(byte[] key, Value value, Versionstamp vs, long expiresAtMs) {
    store.put(prefix.in(key), value, vs, expiresAtMs);
  }

  @Override
  public boolean anyLive(byte[] start, byte[] end, long nowMs) {
    return store.anyLive(prefix.in(start), prefix.in(end), nowMs);
  }

  @Override
  public byte[] scanLive(byte[] start, byte[] end, int limit, long nowMs,
      Consumer<StoredEntry> live) {
    byte[] last = store.scanLive(prefix.in(start), prefix.in(end), limit, nowMs,
        e -> live.accept(prefix.out(e)));
    return last == null ? null : prefix.strip(last);
  }

  @Override
  public boolean delete(byte[] key) {
    return store.delete(prefix.in(key));
  }

  @Override
  public void enqueue(Versionstamp vs, int index, Enqueue enqueue) {
    throw new IllegalStateException("entity writes never enqueue");
  }

  @Override
  public Usage usage(String tenant) {
    return store.usage(tenant);
  }



}
