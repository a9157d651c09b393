package dev.atomkv.server.engine.watch;

import dev.atomkv.server.engine.KeyChange;
import dev.atomkv.server.model.Versionstamp;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The versionstamps of recent deletions, so that a watch resumed after a versionstamp can tell a
 * key deleted since then from one that never existed. A missing key leaves no trace in the data,
 * so without this a resumed watch could not prove "nothing changed" for it.
 *
 * <p>In memory and bounded: when it grows past its byte budget the oldest deletions are forgotten
 * and the low-water mark rises to the newest forgotten one. Deletions at or below the mark are
 * unknown, as is everything before the engine opened (the mark starts at the store's last commit
 * version), so a resume from below the mark counts every missing key as possibly changed.
 */
final class DeletionLog {
  /** Rough heap cost of one remembered deletion besides its key bytes. */
  static final int ENTRY_OVERHEAD = 96;

  private final long maxBytes;
  /** Insertion order is commit order: the writer publishes commits in versionstamp order. */
  private final LinkedHashMap<ByteKey, Versionstamp> deletions = new LinkedHashMap<>();
  private long bytes;
  private Versionstamp lowWater;

  DeletionLog(long lastCommitVersionAtOpen, long maxBytes) {
    this.lowWater = new Versionstamp(lastCommitVersionAtOpen, Versionstamp.MAX_POSITIONS - 1);
    this.maxBytes = maxBytes;
  }

  /** Records one durable commit's changes, in order. Writer thread only. */
  synchronized void apply(List<KeyChange> changes) {
    for (KeyChange c : changes) {
      ByteKey key = new ByteKey(c.key());
      Versionstamp old = deletions.remove(key);
      if (old != null) {
        bytes -= cost(key);
      }
      // A write supersedes the deletion: the key's own versionstamp now says when it changed.
      if (c.deleted()) {
        deletions.put(key, c.versionstamp());
        bytes += cost(key);
      }
    }
    Iterator<Map.Entry<ByteKey, Versionstamp>> oldest = deletions.entrySet().iterator();
    while (bytes > maxBytes && oldest.hasNext()) {
      Map.Entry<ByteKey, Versionstamp> e = oldest.next();
      if (e.getValue().compareTo(lowWater) > 0) {
        lowWater = e.getValue();
      }
      bytes -= cost(e.getKey());
      oldest.remove();
    }
  }

  /**
   * Whether a key that holds nothing now may have been deleted after {@code after}: it was, or the
   * log cannot rule it out.
   */
  synchronized boolean mayBeDeletedAfter(ByteKey key, Versionstamp after) {
    Versionstamp deleted = deletions.get(key);
    return (deleted != null && deleted.compareTo(after) > 0) || after.compareTo(lowWater) < 0;
  }

  synchronized Versionstamp lowWater() {
    return lowWater;
  }

  synchronized int size() {
    return deletions.size();
  }

  private static long cost(ByteKey key) {
    return key.bytes().length + ENTRY_OVERHEAD;
  }
}
