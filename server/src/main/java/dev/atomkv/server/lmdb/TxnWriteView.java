package dev.atomkv.server.lmdb;

import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.engine.apply.WriteView;
import dev.atomkv.server.model.Enqueue;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.Versionstamp;
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
  public boolean delete(byte[] key) {
    return store.delete(txn, key);
  }

  @Override
  public void enqueue(Versionstamp vs, int index, Enqueue enqueue) {
    store.queues.add(txn, QueuedMessage.enqueued(vs, index, enqueue));
  }
}
