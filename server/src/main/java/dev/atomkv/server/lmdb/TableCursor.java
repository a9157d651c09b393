package dev.atomkv.server.lmdb;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.GetOp;
import org.lmdbjava.SeekOp;
import org.lmdbjava.Txn;

/**
 * A bidirectional cursor over a {@link LongKeyTable}, in unsigned lexicographic order of the full
 * logical keys. Obtain it from {@link LongKeyTable#cursor(Txn)}.
 *
 * <p>Internally it is a stack of LMDB cursors, one per trie level: level 0 walks the root namespace
 * and level {@code i+1} walks the child namespace of the directory entry level {@code i} is on. The
 * top of the stack is always on a direct entry when the cursor is positioned.
 *
 * <p>Lifetime and consistency:
 *
 * <ul>
 *   <li>Close it before its txn commits or aborts; don't use it while a child txn of its txn is
 *       open.
 *   <li>{@link #key()} and {@link #value()} are snapshots taken when the cursor was positioned.
 *   <li>In a write txn, the table may be modified (through the same {@link LongKeyTable}) while the
 *       cursor is open: {@link #next()} then moves to the first key greater than the current key and
 *       {@link #prev()} to the last key smaller than it, as of the modified table, even if the
 *       current key itself was deleted.
 *   <li>After {@code next()}/{@code prev()} or a seek returns false, the cursor is unpositioned;
 *       further {@code next()}/{@code prev()} return false until it is positioned again.
 * </ul>
 */
public final class TableCursor implements AutoCloseable {

  private static final byte[] EMPTY = new byte[0];
  private static final int T = LongKeyTable.SEGMENT;

  private final LongKeyTable table;
  private final Dbi<byte[]> dbi;
  private final Txn<byte[]> txn;
  /** Read txns see a frozen snapshot, so they never need the modification check. */
  private final boolean readOnly;

  /** Levels are kept (with their LMDB cursors) across seeks so deep walks don't reopen cursors. */
  private final List<Level> levels = new ArrayList<>();

  private int depth;
  private boolean positioned;
  private long seenVersion;
  private boolean closed;

  TableCursor(LongKeyTable table, Dbi<byte[]> dbi, Txn<byte[]> txn) {
    this.table = table;
    this.dbi = dbi;
    this.txn = txn;
    this.readOnly = txn.isReadOnly();
  }

  /** Positions at the first key {@code >= bound}; returns false (unpositioned) if there is none. */
  public boolean seekGE(byte[] bound) {
    startSeek();
    byte[] rem = bound;
    while (true) {
      Level l = top();
      if (rem.length > T) {
        byte[] dirSeg = dirSegment(rem);
        if (l.ge(dirSeg) && l.currentSegmentEquals(dirSeg)) {
          push(l);
          rem = Arrays.copyOfRange(rem, T, rem.length);
          continue;
        }
        // No directory for P: whatever follows P‖00 in this namespace differs from P within its
        // first T bytes and is therefore greater than the whole bound; the direct key P (if any)
        // sorts before P‖00 and is a proper prefix of the bound, hence smaller. Both already hold.
      } else {
        // A directory Q‖00 found here is >= bound with |bound| <= T, so Q >= bound and all of Q's
        // keys are too; settling descends into its first key.
        l.ge(rem);
      }
      break;
    }
    return settle(true);
  }

  /** Positions at the last key {@code < bound}; returns false (unpositioned) if there is none. */
  public boolean seekLT(byte[] bound) {
    startSeek();
    byte[] rem = bound;
    while (true) {
      Level l = top();
      if (rem.length > T) {
        byte[] dirSeg = dirSegment(rem);
        if (l.ge(dirSeg) && l.currentSegmentEquals(dirSeg)) {
          // If nothing in the child is < the rest of the bound, settling pops back here and steps
          // to the entry before the directory: the direct key P (a proper prefix of the bound).
          push(l);
          rem = Arrays.copyOfRange(rem, T, rem.length);
          continue;
        }
        // Everything before P‖00 is < bound: P itself, and directories Q‖00 with Q < P.
        l.lt(dirSeg);
      } else {
        // A directory Q‖00 < bound (|bound| <= T) differs from the bound within Q, with Q smaller,
        // so all of Q's keys are < bound; settling descends into its last key.
        l.lt(rem);
      }
      break;
    }
    return settle(false);
  }

  /** Positions at the smallest key; false if the table is empty. */
  public boolean first() {
    return seekGE(EMPTY);
  }

  /** Positions at the greatest key; false if the table is empty. */
  public boolean last() {
    startSeek();
    top().last();
    return settle(false);
  }

  /** Moves to the next greater key; false (and unpositioned) if there is none. */
  public boolean next() {
    checkOpen();
    if (!positioned) {
      return false;
    }
    if (isStale()) {
      byte[] current = key();
      if (!seekGE(current)) {
        return false;
      }
      if (!Arrays.equals(key(), current)) {
        return true; // the current key was deleted; its successor is where we landed
      }
    }
    top().next();
    return settle(true);
  }

  /** Moves to the next smaller key; false (and unpositioned) if there is none. */
  public boolean prev() {
    checkOpen();
    if (!positioned) {
      return false;
    }
    if (isStale()) {
      return seekLT(key());
    }
    top().prev();
    return settle(false);
  }

  /** Whether the cursor is on a key. */
  public boolean isPositioned() {
    return positioned;
  }

  /** The full logical key at the cursor, as a fresh array. */
  public byte[] key() {
    checkPositioned();
    Level leaf = levels.get(depth - 1);
    int leafLen = leaf.cur.length - LongKeyTable.NS_BYTES;
    byte[] k = new byte[(depth - 1) * T + leafLen];
    for (int i = 0; i < depth - 1; i++) {
      System.arraycopy(levels.get(i).cur, LongKeyTable.NS_BYTES, k, i * T, T);
    }
    System.arraycopy(leaf.cur, LongKeyTable.NS_BYTES, k, (depth - 1) * T, leafLen);
    return k;
  }

  /** The record bytes at the cursor, as a fresh array. */
  public byte[] value() {
    checkPositioned();
    return levels.get(depth - 1).val.clone();
  }

  /** Closes the LMDB cursors. Must happen before the txn ends. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    positioned = false;
    RuntimeException failure = null;
    for (Level l : levels) {
      try {
        l.cursor.close();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    levels.clear();
    if (failure != null) {
      throw failure;
    }
  }

  // ---- DFS machinery -----------------------------------------------------------------------

  private void startSeek() {
    checkOpen();
    positioned = false;
    seenVersion = table.version();
    depth = 0;
    levelAt(0).ns(LongKeyTable.ROOT_NS);
    depth = 1;
  }

  private boolean isStale() {
    return !readOnly && table.version() != seenVersion;
  }

  /**
   * From a level that was just moved (possibly off its namespace), walks the DFS in the given
   * direction until the top of the stack is on a direct entry. Exhausted levels are popped and the
   * parent stepped past its directory entry; directory entries are entered at their first (forward)
   * or last (backward) key. Also tolerates an empty child namespace, should one ever exist.
   */
  private boolean settle(boolean forward) {
    while (true) {
      Level l = top();
      if (l.cur == null) {
        if (depth == 1) {
          positioned = false;
          return false;
        }
        depth--;
        if (forward) {
          top().next();
        } else {
          top().prev();
        }
        continue;
      }
      if (LongKeyTable.isDirKey(l.cur)) {
        Level child = push(l);
        if (forward) {
          child.first();
        } else {
          child.last();
        }
        continue;
      }
      positioned = true;
      return true;
    }
  }

  /** Makes a new top level walking the child namespace of {@code parent}'s directory entry. */
  private Level push(Level parent) {
    Level child = levelAt(depth);
    child.ns(LongKeyTable.decodeNs(parent.val));
    depth++;
    return child;
  }

  private Level top() {
    return levels.get(depth - 1);
  }

  private Level levelAt(int i) {
    while (levels.size() <= i) {
      levels.add(new Level(dbi.openCursor(txn)));
    }
    return levels.get(i);
  }

  private static byte[] dirSegment(byte[] rem) {
    byte[] seg = new byte[T + 1];
    System.arraycopy(rem, 0, seg, 0, T);
    return seg;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("cursor is closed");
    }
  }

  private void checkPositioned() {
    checkOpen();
    if (!positioned) {
      throw new IllegalStateException("cursor is not positioned");
    }
  }

  /**
   * One LMDB cursor confined to one namespace. {@code cur}/{@code val} hold copies of the entry it
   * is on, or {@code cur == null} when it ran off its namespace (the LMDB cursor may then sit in a
   * neighbouring namespace or nowhere, and must be re-positioned rather than stepped).
   */
  private static final class Level {
    final Cursor<byte[]> cursor;
    long ns;
    byte[] nsKey;
    byte[] cur;
    byte[] val;

    Level(Cursor<byte[]> cursor) {
      this.cursor = cursor;
    }

    void ns(long ns) {
      this.ns = ns;
      this.nsKey = LongKeyTable.nsBytes(ns);
      this.cur = null;
      this.val = null;
    }

    boolean ge(byte[] seg) {
      return accept(cursor.get(lmdbKey(seg), GetOp.MDB_SET_RANGE));
    }

    boolean lt(byte[] seg) {
      return before(lmdbKey(seg));
    }

    boolean first() {
      return accept(cursor.get(nsKey, GetOp.MDB_SET_RANGE));
    }

    boolean last() {
      // ns + 1 never overflows: the largest ns is the counter's, which is never walked. Every key
      // of this namespace is < (ns+1)‖ε, whether or not that key exists.
      return before(LongKeyTable.nsBytes(ns + 1));
    }

    boolean next() {
      return accept(cursor.seek(SeekOp.MDB_NEXT));
    }

    boolean prev() {
      return accept(cursor.seek(SeekOp.MDB_PREV));
    }

    /** Moves to the last LMDB key < {@code lmdbKey}, then restricts to this namespace. */
    private boolean before(byte[] lmdbKey) {
      boolean found = cursor.get(lmdbKey, GetOp.MDB_SET_RANGE);
      // After a failed SET_RANGE LMDB's cursor position is unspecified, so PREV can't be trusted;
      // failure means every key is < lmdbKey and the answer is the very last one.
      found = found ? cursor.seek(SeekOp.MDB_PREV) : cursor.seek(SeekOp.MDB_LAST);
      return accept(found);
    }

    boolean currentSegmentEquals(byte[] seg) {
      return cur != null
          && cur.length == LongKeyTable.NS_BYTES + seg.length
          && Arrays.equals(cur, LongKeyTable.NS_BYTES, cur.length, seg, 0, seg.length);
    }

    private boolean accept(boolean found) {
      if (found) {
        // ByteArrayProxy hands out fresh arrays per positioning, so these are ours to keep.
        byte[] k = cursor.key();
        if (LongKeyTable.hasNsPrefix(k, nsKey)) {
          cur = k;
          val = cursor.val();
          return true;
        }
      }
      cur = null;
      val = null;
      return false;
    }

    private byte[] lmdbKey(byte[] seg) {
      byte[] k = new byte[LongKeyTable.NS_BYTES + seg.length];
      System.arraycopy(nsKey, 0, k, 0, LongKeyTable.NS_BYTES);
      System.arraycopy(seg, 0, k, LongKeyTable.NS_BYTES, seg.length);
      return k;
    }
  }
}
