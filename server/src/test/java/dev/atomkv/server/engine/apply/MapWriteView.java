package dev.atomkv.server.engine.apply;

import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.model.Enqueue;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.Versionstamp;
import dev.atomkv.server.model.tenant.TenantKeys;
import dev.atomkv.server.model.tenant.Usage;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A write view over a map: the applier's rules, seen without any storage. */
final class MapWriteView implements WriteView {
  final Map<ByteBuffer, StoredEntry> entries = new TreeMap<>();
  final List<Enqueued> enqueued = new ArrayList<>();
  int writes;

  record Enqueued(Versionstamp vs, int index, Enqueue enqueue) {}

  @Override
  public StoredEntry live(byte[] key, long nowMs) {
    StoredEntry e = entries.get(ByteBuffer.wrap(key));
    return e == null || (e.expiresAtMs() != 0 && e.expiresAtMs() <= nowMs) ? null : e;
  }

  @Override
  public void put(byte[] key, Value value, Versionstamp vs, long expiresAtMs) {
    writes++;
    entries.put(ByteBuffer.wrap(key), new StoredEntry(key, value, vs, expiresAtMs));
  }

  @Override
  public boolean anyLive(byte[] start, byte[] end, long nowMs) {
    for (StoredEntry e : entries.values()) {
      if (java.util.Arrays.compareUnsigned(e.key(), start) >= 0
          && java.util.Arrays.compareUnsigned(e.key(), end) < 0 && live(e.key(), nowMs) != null) {
        return true;
      }
    }
    return false;
  }

  @Override
  public byte[] scanLive(byte[] start, byte[] end, int limit, long nowMs,
      java.util.function.Consumer<StoredEntry> live) {
    // ByteBuffer orders signed bytes; the store's order is unsigned.
    List<StoredEntry> inRange = entries.values().stream()
        .filter(e -> java.util.Arrays.compareUnsigned(e.key(), start) >= 0
            && java.util.Arrays.compareUnsigned(e.key(), end) < 0)
        .sorted((a, b) -> java.util.Arrays.compareUnsigned(a.key(), b.key())).toList();
    List<StoredEntry> examined = inRange.subList(0, Math.min(limit, inRange.size()));
    examined.stream().filter(e -> live(e.key(), nowMs) != null).toList().forEach(live);
    return inRange.size() > limit ? examined.get(examined.size() - 1).key() : null;
  }

  @Override
  public boolean delete(byte[] key) {
    writes++;
    return entries.remove(ByteBuffer.wrap(key)) != null;
  }

  @Override
  public void enqueue(Versionstamp vs, int index, Enqueue enqueue) {
    writes++;
    enqueued.add(new Enqueued(vs, index, enqueue));
  }

  /** Counted by scanning, as the store's usage table must agree with a scan. */
  @Override
  public Usage usage(String tenant) {
    Usage u = Usage.NONE;
    for (StoredEntry e : entries.values()) {
      if (tenant.equals(TenantKeys.tenantOf(e.key()))) {
        u = u.plus(e.key().length - TenantKeys.prefixLength(e.key()) + e.value().payload().length,
            1);
      }
    }
    return u;
  }

  StoredEntry get(byte[] key) {
    return entries.get(ByteBuffer.wrap(key));
  }
}
