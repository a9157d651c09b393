package dev.atomkv.server.engine;

/**
 * A place in a replicated log: the term of the entry and its index.
 *
 * @param term the leader's term the entry was proposed in
 * @param index the entry's position in the log, from 1
 */
public record LogPosition(long term, long index) {
  /** Before the first entry. */
  public static final LogPosition NONE = new LogPosition(0, 0);
}
