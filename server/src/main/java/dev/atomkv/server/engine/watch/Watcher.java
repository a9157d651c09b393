package dev.atomkv.server.engine.watch;

import dev.atomkv.server.engine.KeyWatch;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.engine.WatchListener;
import dev.atomkv.server.engine.WatchUpdate;
import dev.atomkv.server.engine.WatchedKey;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Versionstamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link KeyWatch}: a dirty flag set by the notifier and the versionstamps last delivered. The
 * flag is cleared before the snapshot is read, so a commit that lands after the read sets it again
 * and nothing final is missed.
 */
final class Watcher implements KeyWatch {
  private static final Logger LOG = LoggerFactory.getLogger(Watcher.class);

  private final ChangeFeed feed;
  private final List<byte[]> keys;
  private final List<ByteKey> byteKeys;
  private final WatchListener listener;
  /** The resume point until the first update is delivered; null for a fresh watch. */
  private final Versionstamp after;
  // Starts dirty: the first poll always reads.
  private final AtomicBoolean dirty = new AtomicBoolean(true);
  private volatile boolean closed;
  private volatile boolean engineClosing;

  // Only the polling owner touches these (one caller at a time).
  private Versionstamp[] delivered;

  Watcher(ChangeFeed feed, List<byte[]> keys, Versionstamp after, WatchListener listener) {
    this.feed = feed;
    this.keys = List.copyOf(keys);
    this.byteKeys = this.keys.stream().map(ByteKey::new).toList();
    this.after = after;
    this.listener = listener;
  }

  List<ByteKey> byteKeys() {
    return byteKeys;
  }

  /** Called by the notifier: a commit touched one of the keys. */
  void touch() {
    if (!closed && dirty.compareAndSet(false, true)) {
      tell();
    }
  }

  /** Called once when the feed closes: the owner's next poll fails with UNAVAILABLE. */
  void engineClosing() {
    engineClosing = true;
    dirty.set(true);
    if (!closed) {
      tell();
    }
  }

  private void tell() {
    try {
      listener.onChange();
    } catch (RuntimeException e) {
      // One faulty listener must not stop notifications for everybody else.
      LOG.warn("watch listener failed", e);
    }
  }

  @Override
  public WatchUpdate poll() {
    if (engineClosing) {
      throw new KvException(ErrorKind.UNAVAILABLE, "server is shutting down");
    }
    if (!dirty.getAndSet(false)) {
      return null;
    }
    KeysSnapshot snap;
    try {
      snap = feed.read(keys);
    } catch (RuntimeException e) {
      dirty.set(true); // still owed a read: a retrying owner must not get a silent null
      throw e;
    }
    boolean[] changed = new boolean[keys.size()];
    boolean any = false;
    for (int i = 0; i < keys.size(); i++) {
      changed[i] = changed(i, snap);
      any |= changed[i];
    }
    if (!any) {
      return null;
    }
    Versionstamp[] now = new Versionstamp[keys.size()];
    List<WatchedKey> out = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      StoredEntry e = snap.live().get(i);
      now[i] = e == null ? null : e.versionstamp();
      out.add(new WatchedKey(keys.get(i), e, changed[i]));
    }
    delivered = now;
    return new WatchUpdate(out,
        new Versionstamp(snap.lastCommitVersion(), Versionstamp.MAX_POSITIONS - 1));
  }

  private boolean changed(int i, KeysSnapshot snap) {
    StoredEntry live = snap.live().get(i);
    if (delivered != null) {
      return !Objects.equals(delivered[i], live == null ? null : live.versionstamp());
    }
    if (after == null) {
      return true;
    }
    // A resume point from another history (another database, or the original of a restored
    // copy) proves nothing about this one.
    if (!feed.sharesHistory(after, snap.lastCommitVersion())) {
      return true;
    }
    Versionstamp written = snap.written().get(i);
    if (written != null) {
      // Still stored (perhaps expired and not yet swept): its versionstamp is its last change.
      return written.compareTo(after) > 0;
    }
    return feed.deletions().mayBeDeletedAfter(byteKeys.get(i), after);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      feed.unregister(this);
    }
  }
}
