package dev.atomkv.server.engine;

import java.util.List;

/**
 * The state of every watched key, read from one snapshot.
 *
 * @param keys one element per watched key, in the order given to {@link KvEngine#watch}
 */
public record WatchUpdate(List<WatchedKey> keys) {
  public WatchUpdate {
    keys = List.copyOf(keys);
  }
}
