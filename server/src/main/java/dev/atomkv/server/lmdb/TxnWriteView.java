package dev.atomkv.server.lmdb;

import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.engine.apply.WriteView;
import dev.atomkv.server.model.Enqueue;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.Versionstamp;
import dev.atomkv.server.model.tenant.Usage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.lmdbjava.Txn;

/** The store as seen from one (child) write transaction. */
record TxnWriteView(Store store, Txn<byte[]> txn) implements WriteView {
  @Override
  public StoredEntry live(byte[] key, long nowMs) {
    return store.live(txn, key, nowMs);
  }

  @Override
  public void put(byte[] key, Value value, Versionstamp vs, long expiresAtMs) {
    store.put(txn, key, value, vs, expiresAtMs);
  }

  @Override
  public boolean anyLive(byte[] start, byte[] end, long nowMs) {
    try (TableCursor c = store.data.cursor(txn)) {
      for (boolean on = c.seekGE(start); on && Arrays.compareUnsigned(c.key(), end) < 0;
          on = c.next()) {
        if (Store.isLive(Store.expiresAt(c.value()), nowMs)) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public byte[] scanLive(byte[] start, byte[] end, int limit, long nowMs,
      Consumer<StoredEntry> live) {
    // Collected first and handed over once the cursor is closed: the consumer writes.
    List<StoredEntry> found = new ArrayList<>();
    byte[] last = null;
    boolean more = false;
    int examined = 0;
    try (TableCursor c = store.data.cursor(txn)) {
      for (boolean on = c.seekGE(start); on && Arrays.compareUnsigned(c.key(), end) < 0;
          on = c.next()) {
        if (examined == limit) {
          more = true;
          break;
        }
        last = c.key();
        examined++;
        if (Store.isLive(Store.expiresAt(c.value()), nowMs)) {
          found.add(Store.decode(last, c.value()));
        }
      }
    }
    found.forEach(live);
    return more ? last : null;
  }

  @Override
  public boolean delete(byte[] key) {
    return store.delete(txn, key);
  }

  @Override
  public void enqueue(Versionstamp vs, int index, Enqueue enqueue) {
    store.queues.add(txn, QueuedMessage.enqueued(vs, index, enqueue));
  }

  @Override
  public Usage usage(String tenant) {
    return store.usage.get(txn, tenant);
  }
}
