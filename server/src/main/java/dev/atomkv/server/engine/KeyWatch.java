package dev.atomkv.server.engine;

/**
 * A registered interest in a few keys (see {@link KvEngine#watch}). It holds no thread and no read
 * transaction: the engine only flags it and calls its {@link WatchListener}; the owner pulls the
 * state with {@link #poll()} when it is ready to send. Changes that happen before the owner polls
 * coalesce: intermediate states may be skipped, the latest never is.
 */
public interface KeyWatch extends AutoCloseable {

  /**
   * The keys' current state, read from a fresh snapshot, if it differs from what this watch last
   * returned; null when nothing changed (cheap: no read at all when no commit touched the keys since
   * the previous poll). The first poll returns the current state of every key, unless the watch
   * resumes after a versionstamp and nothing provably changed since. One caller at a time.
   *
   * @throws dev.atomkv.server.model.KvException UNAVAILABLE once the engine is closing
   */
  WatchUpdate poll();

  /** Unregisters the watch; the listener is not called afterwards. Idempotent. */
  @Override
  void close();
}
