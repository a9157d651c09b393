package dev.atomkv.server.engine;

import dev.atomkv.server.model.Versionstamp;
import java.util.List;

/**
 * The state of every watched key, read from one snapshot.
 *
 * @param keys one element per watched key, in the order given to {@link KvEngine#watch}
 * @param readVersionstamp the snapshot's place in commit order: it holds every commit whose
 *     versionstamp is at or below this one and none above (the last commit version with the highest
 *     position). Passed back as {@code after}, it resumes a watch exactly where this update left
 *     it, deletions included.
 */
public record WatchUpdate(List<WatchedKey> keys, Versionstamp readVersionstamp) {
  public WatchUpdate {
    keys = List.copyOf(keys);
  }
}
