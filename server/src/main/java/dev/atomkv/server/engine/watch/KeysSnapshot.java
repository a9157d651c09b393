package dev.atomkv.server.engine.watch;

import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.model.Versionstamp;
import java.util.List;

/**
 * What a {@link ChangeFeed} needs to know about some keys, read from one snapshot.
 *
 * @param live per key, its live entry; null when missing or expired
 * @param written per key, the versionstamp stored with it even when it has expired but not yet been
 *     swept; null when nothing is stored
 * @param lastCommitVersion commit version of the newest commit the snapshot holds
 */
public record KeysSnapshot(List<StoredEntry> live, List<Versionstamp> written,
    long lastCommitVersion) {

  /** Reads a {@link KeysSnapshot}; the engine's side of the feed. */
  @FunctionalInterface
  public interface Reader {
    /**
     * @throws dev.atomkv.server.model.KvException UNAVAILABLE once the engine is closed
     */
    KeysSnapshot read(List<byte[]> keys);
  }
}
