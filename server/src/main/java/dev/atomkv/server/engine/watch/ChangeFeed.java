package dev.atomkv.server.engine.watch;

import dev.atomkv.server.engine.KeyChange;
import dev.atomkv.server.engine.KeyWatch;
import dev.atomkv.server.engine.WatchListener;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Versionstamp;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's change feed and watch registry, independent of storage. The writer publishes every
 * durable commit's changed keys; one notifier thread looks the keys up in an index of watches and
 * flags the watches concerned, which then read a snapshot when their owner polls. Idle watches
 * cost a map entry per key and no thread.
 */
public final class ChangeFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeFeed.class);

  /** Its own instance, compared by identity: the writer never publishes an empty list. */
  private static final List<KeyChange> STOP = Collections.unmodifiableList(new ArrayList<>());

  private final KeysSnapshot.Reader reader;
  private final long deletionLogBytes;
  /** Replaced when the store is (see {@link #storeReplaced}). */
  private volatile DeletionLog deletions;
  private final ConcurrentHashMap<ByteKey, Set<Watcher>> index = new ConcurrentHashMap<>();
  private final Set<Watcher> watchers = ConcurrentHashMap.newKeySet();
  /** Unbounded so that the writer never waits for watchers; entries are one commit's key list. */
  private final BlockingQueue<List<KeyChange>> pending = new LinkedBlockingQueue<>();
  private final Thread notifier;
  private volatile boolean closed;
  /** The store's last commit version when the engine opened, or when its store was replaced. */
  private volatile long openVersion;
  /** The first commit version this engine issued; 0 until it commits. */
  private volatile long firstCommitVersion;

  /**
   * @param lastCommitVersion the store's last commit version when it opened: deletions up to it
   *     are unknown to the feed
   * @param deletionLogBytes heap budget for remembered deletions
   */
  public ChangeFeed(KeysSnapshot.Reader reader, long lastCommitVersion, long deletionLogBytes) {
    this.reader = reader;
    this.openVersion = lastCommitVersion;
    this.deletionLogBytes = deletionLogBytes;
    this.deletions = new DeletionLog(lastCommitVersion, deletionLogBytes);
    this.notifier = new Thread(this::run, "atomkv-watch-notifier");
    notifier.setDaemon(true);
    notifier.start();
  }

  /**
   * Publishes one durable commit's changes, in the order the commit applied them (none for a
   * commit of requests without mutations). Called by the writer thread for every commit that took
   * a commit version, in commit order, after the commit is visible to new snapshots.
   *
   * @param commitVersion the first commit version the commit took (a batch of replicated log
   *     entries takes one per entry)
   */
  public void publish(long commitVersion, List<KeyChange> changes) {
    if (firstCommitVersion == 0) {
      firstCommitVersion = commitVersion;
    }
    if (changes.isEmpty() || closed) {
      return;
    }
    deletions.apply(changes);
    // With no watcher registered nobody needs notifying: one registering now reads a snapshot
    // that already holds this commit.
    if (!index.isEmpty()) {
      pending.add(changes);
    }
  }

  /**
   * The store was replaced by a copy holding commits up to {@code lastCommitVersion} (a cluster
   * member rebuilt from a peer): the feed starts over from it as if the engine had just opened,
   * and every watch re-reads its keys, which the copy may have changed. Called by the writer
   * thread, before any commit on the new store.
   */
  public void storeReplaced(long lastCommitVersion) {
    deletions = new DeletionLog(lastCommitVersion, deletionLogBytes);
    openVersion = lastCommitVersion;
    firstCommitVersion = 0;
    watchers.forEach(Watcher::touch);
  }

  /** See {@link dev.atomkv.server.engine.KvEngine#watch}. */
  public KeyWatch watch(List<byte[]> keys, Versionstamp after, WatchListener listener) {
    if (closed) {
      throw new KvException(ErrorKind.UNAVAILABLE, "server is shutting down");
    }
    Watcher w = new Watcher(this, keys, after, listener);
    // Registered before its first snapshot is read: every later commit reaches it.
    watchers.add(w);
    for (ByteKey k : w.byteKeys()) {
      index.computeIfAbsent(k, x -> ConcurrentHashMap.newKeySet()).add(w);
    }
    if (closed) {
      w.engineClosing();
    }
    return w;
  }

  /**
   * Whether {@code after} can belong to this store's history as seen by a snapshot whose last
   * commit version is {@code snapshotVersion}. Not when it is newer than that snapshot (another
   * database), nor when it falls between the version the store opened at and the first one this
   * engine issued: no commit of this store ever had such a version, so it comes from a history the
   * store does not share, typically the original of a store restored from an older backup, whose
   * keys may hold what the client never saw.
   */
  boolean sharesHistory(Versionstamp after, long snapshotVersion) {
    long v = after.commitVersion();
    if (Long.compareUnsigned(v, snapshotVersion) > 0) {
      return false;
    }
    if (Long.compareUnsigned(v, openVersion) <= 0) {
      return true;
    }
    long first = firstCommitVersion;
    return first != 0 && Long.compareUnsigned(v, first) >= 0;
  }

  KeysSnapshot read(List<byte[]> keys) {
    return reader.read(keys);
  }

  DeletionLog deletions() {
    return deletions;
  }

  void unregister(Watcher w) {
    watchers.remove(w);
    for (ByteKey k : w.byteKeys()) {
      index.computeIfPresent(k, (x, set) -> {
        set.remove(w);
        return set.isEmpty() ? null : set;
      });
    }
  }

  private void run() {
    List<List<KeyChange>> batch = new ArrayList<>();
    while (true) {
      try {
        batch.add(pending.take());
      } catch (InterruptedException e) {
        LOG.warn("watch notifier interrupted; ignoring");
        continue;
      }
      pending.drainTo(batch);
      for (List<KeyChange> changes : batch) {
        if (changes == STOP) {
          return;
        }
        for (KeyChange c : changes) {
          Set<Watcher> concerned = index.get(new ByteKey(c.key()));
          if (concerned != null) {
            concerned.forEach(Watcher::touch);
          }
        }
      }
      batch.clear();
    }
  }

  /**
   * Stops the notifier and tells every watch's listener, whose next poll then fails with
   * UNAVAILABLE. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    pending.add(STOP);
    boolean interrupted = false;
    while (notifier.isAlive()) {
      try {
        notifier.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    watchers.forEach(Watcher::engineClosing);
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
