package dev.atomkv.server.engine;

/**
 * Told that a {@link KeyWatch} has something new to poll. Called from the engine's single notifier
 * thread, never twice between two polls, so it must return at once: schedule the poll, never run a
 * blocking send from here.
 */
@FunctionalInterface
public interface WatchListener {
  /**
   * A commit touched one of the watched keys since the last {@link KeyWatch#poll()}, or the engine
   * is closing (the next poll then fails with UNAVAILABLE).
   */
  void onChange();
}
