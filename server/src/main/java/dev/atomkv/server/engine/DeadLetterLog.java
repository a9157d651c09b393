package dev.atomkv.server.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;

/**
 * The last queue messages given up on, newest first, in memory: the record a person looks at
 * when a consumer keeps failing. It is kept out of the store on purpose: it is a diagnostic, not
 * data (a message that must not be lost names keysIfUndelivered keys, which are written in the
 * same commit), and a table of its own would change the store's format and every cluster
 * snapshot for it. A restart starts it empty.
 */
public final class DeadLetterLog {
  /** Messages remembered; the oldest goes first. */
  public static final int CAPACITY = 100;
  /**
   * Largest payload kept whole: the log then holds at most 100 x 64 KiB however large
   * --max-value-bytes is; a larger payload is remembered by its size only.
   */
  public static final int MAX_KEPT_PAYLOAD = 64 * 1024;

  private final Deque<DeadLetter> recent = new ArrayDeque<>(CAPACITY);
  private long total;

  /** Records a message given up on, once the commit that gave it up is durable. */
  public synchronized void add(DeadLetter letter) {
    if (recent.size() == CAPACITY) {
      recent.removeLast();
    }
    recent.addFirst(letter);
    total++;
  }

  /** The messages remembered, newest first. */
  public synchronized List<DeadLetter> recent() {
    return Collections.unmodifiableList(new ArrayList<>(recent));
  }

  /** Messages given up on since the engine opened, the forgotten ones included. */
  public synchronized long total() {
    return total;
  }
}
