package dev.atomkv.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The state of every watched key, read by the server from one snapshot.
 *
 * @param entries one per watched key, in the order given to {@link KvClient#watch}; a missing key's
 *     entry does not {@link KvEntry#exists() exist}
 * @param changed per key, whether its versionstamp differs from the previous event of this watch
 *     (in the first event: every key; after a reconnect or a resume: the keys written or deleted
 *     since the last event seen, or whose history the server cannot tell)
 * @param readVersionstamp where the snapshot stands in commit order: it holds every commit up to
 *     this versionstamp; pass it to {@link KvClient#watch(List, Versionstamp)} to resume here
 */
public record WatchEvent(List<KvEntry> entries, List<Boolean> changed,
    Versionstamp readVersionstamp) {
  public WatchEvent {
    entries = List.copyOf(entries);
    changed = List.copyOf(changed);
    Objects.requireNonNull(readVersionstamp, "readVersionstamp");
    if (entries.size() != changed.size()) {
      throw new IllegalArgumentException("one changed flag per entry");
    }
  }

  /** Whether the entry at {@code index} changed (see {@link #changed()}). */
  public boolean changed(int index) {
    return changed.get(index);
  }

  /** The entries that changed, in watch order. */
  public List<KvEntry> changedEntries() {
    List<KvEntry> out = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      if (changed.get(i)) {
        out.add(entries.get(i));
      }
    }
    return List.copyOf(out);
  }
}
