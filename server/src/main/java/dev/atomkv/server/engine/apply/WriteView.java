package dev.atomkv.server.engine.apply;

import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.model.Enqueue;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.Versionstamp;
import dev.atomkv.server.model.tenant.Usage;

/**
 * What {@link AtomicApplier} needs of a store: reads that see the request's own earlier writes,
 * and writes that stay undone unless the caller keeps them (the single-node writer runs each
 * request in a child transaction; a replicated state machine does the same per log entry).
 */
public interface WriteView {
  /** The entry under {@code key}, or null when it is missing or expired at {@code nowMs}. */
  StoredEntry live(byte[] key, long nowMs);

  /** Stores a value; {@code expiresAtMs} is 0 for never. */
  void put(byte[] key, Value value, Versionstamp vs, long expiresAtMs);

  /**
   * Whether some key in [start, end) is live at {@code nowMs} (custom entities ask this before a
   * definition change that would leave existing documents wrongly indexed).
   */
  boolean anyLive(byte[] start, byte[] end, long nowMs);

  /**
   * Hands the live entries among the first {@code limit} keys of [start, end) to {@code live}, in
   * key order, and returns the last key examined when keys may remain after it, else null (an
   * index build walks an entity's documents this way, a bounded chunk per write).
   */
  byte[] scanLive(byte[] start, byte[] end, int limit, long nowMs,
      java.util.function.Consumer<StoredEntry> live);

  /** Removes the key; returns whether there was anything to remove. */
  boolean delete(byte[] key);

  /**
   * Adds a queue message committed by the request stamped {@code vs}; {@code index} is its place
   * among the request's enqueues, which keeps message ids unique within one commit.
   */
  void enqueue(Versionstamp vs, int index, Enqueue enqueue);

  /** What {@code tenant} stores, including this request's writes so far. */
  Usage usage(String tenant);
}
