package dev.atomkv.server.lmdb;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.GetOp;
import org.lmdbjava.Txn;

/**
 * An ordered byte-key → byte-value table over a single LMDB {@link Dbi} that accepts keys of any
 * length, although LMDB itself caps keys at 511 bytes. Iteration order is unsigned lexicographic
 * order of the full logical keys, which a hashed or truncated key could not preserve.
 *
 * <h2>Layout: a segment trie</h2>
 *
 * <p>The Dbi must use LMDB's default key comparison (memcmp), i.e. be opened without a custom or
 * native-callback comparator. Every LMDB key is {@code ns ‖ segment}, where {@code ns} is an 8-byte
 * big-endian namespace id; the root namespace is {@code ns = 0}. With {@code T = }{@link #SEGMENT}
 * {@code = 500} (so that {@code 8 + T + 1 = 509 ≤ 511}):
 *
 * <ul>
 *   <li>A logical key {@code K} with {@code |K| ≤ T} in namespace {@code ns} is a <em>direct</em>
 *       entry: LMDB key {@code ns ‖ K}, LMDB value = the record bytes.
 *   <li>A logical key with {@code |K| > T} is split into {@code P = K[0:T]} and {@code R = K[T:]}.
 *       Namespace {@code ns} holds a <em>directory</em> entry at LMDB key {@code ns ‖ P ‖ 0x00}
 *       whose value is the 8-byte big-endian id of a child namespace, and {@code R} is stored
 *       recursively in that child namespace. Directory keys are exactly {@code 8 + T + 1} bytes
 *       long; direct keys are at most {@code 8 + T}, which is how the two are told apart.
 *   <li>The only direct key of {@code ns} that starts with {@code P} is {@code P} itself, and
 *       {@code P ‖ 0x00} is its immediate successor under memcmp, so the directory entry sorts
 *       exactly where all logical keys {@code P ‖ R} belong. A depth-first walk therefore yields
 *       full keys in byte order, and a bound can be resolved one segment per level.
 *   <li>Child namespace ids come from a persistent counter stored at LMDB key {@link #COUNTER_KEY}
 *       ({@code 0xFFFFFFFFFFFFFFFF}, empty segment), which sorts after every namespace; that id is
 *       never handed out. Ids are not reused.
 *   <li>When the last key of a child namespace is deleted, its directory entry is deleted too,
 *       recursively upwards, so an existing directory entry always leads to a non-empty namespace.
 *   <li>The empty logical key is allowed; it is stored as the 8-byte LMDB key {@code 0 ‖ ε}.
 * </ul>
 *
 * <h2>Usage rules</h2>
 *
 * <ul>
 *   <li>Use exactly one {@code LongKeyTable} instance per Dbi: {@link TableCursor}s in a write txn
 *       learn about writes through the instance (see {@link TableCursor}); writes made through the
 *       raw Dbi or another instance go unnoticed by open cursors.
 *   <li>The Dbi must hold nothing but this table.
 *   <li>Every method works in a top-level or nested ({@code env.txn(parent)}) write txn; reads also
 *       work in read txns. As with LMDB itself, a parent txn must not be used (directly or via a
 *       cursor) while one of its child txns is open.
 *   <li>Instances are thread-safe; {@link TableCursor}s are not.
 * </ul>
 */
public final class LongKeyTable {

  /** Segment length {@code T}: the longest key stored directly in one namespace. */
  public static final int SEGMENT = 500;

  static final int NS_BYTES = Long.BYTES;
  /** Length of an LMDB directory key: {@code ns ‖ P ‖ 0x00}. */
  static final int DIR_KEY_LENGTH = NS_BYTES + SEGMENT + 1;

  static final long ROOT_NS = 0L;
  /** Reserved namespace id that holds the id counter; never allocated to a child. */
  static final long COUNTER_NS = -1L;

  /** LMDB key of the namespace-id counter; sorts after every key of every real namespace. */
  static final byte[] COUNTER_KEY = nsBytes(COUNTER_NS);

  private final Dbi<byte[]> dbi;

  /**
   * Bumped on every successful mutation. Open write-txn cursors compare it against the value seen
   * when they were last positioned, and re-seek by key instead of trusting LMDB cursor positions
   * that a structural change (a namespace appearing or disappearing) may have invalidated.
   */
  private final AtomicLong version = new AtomicLong();

  /**
   * @param dbi a Dbi of an {@code Env<byte[]>} (ByteArrayProxy), using LMDB's default memcmp key
   *     order, dedicated to this table
   */
  public LongKeyTable(Dbi<byte[]> dbi) {
    this.dbi = Objects.requireNonNull(dbi, "dbi");
  }

  /**
   * LMDB entries of the Dbi, read from its statistics without a scan: one per key of at most
   * {@link #SEGMENT} bytes, more for longer keys (directory entries, the namespace counter).
   */
  public long rawEntries(Txn<byte[]> txn) {
    return dbi.stat(txn).entries;
  }

  /** Returns the value stored under {@code key}, or null; the array is the caller's own. */
  public byte[] get(Txn<byte[]> txn, byte[] key) {
    Objects.requireNonNull(key, "key");
    long ns = ROOT_NS;
    int off = 0;
    while (key.length - off > SEGMENT) {
      byte[] child = dbi.get(txn, dirKey(ns, key, off));
      if (child == null) {
        return null;
      }
      ns = decodeNs(child);
      off += SEGMENT;
    }
    // ByteArrayProxy copies out of the LMDB page, so this array stays valid after the txn ends.
    return dbi.get(txn, directKey(ns, key, off, key.length - off));
  }

  /** Inserts or overwrites {@code key}. Requires a write txn (top-level or nested). */
  public void put(Txn<byte[]> txn, byte[] key, byte[] value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    long ns = ROOT_NS;
    int off = 0;
    while (key.length - off > SEGMENT) {
      byte[] dk = dirKey(ns, key, off);
      byte[] child = dbi.get(txn, dk);
      long childNs;
      if (child == null) {
        childNs = allocateNamespace(txn);
        dbi.put(txn, dk, nsBytes(childNs));
      } else {
        childNs = decodeNs(child);
      }
      ns = childNs;
      off += SEGMENT;
    }
    dbi.put(txn, directKey(ns, key, off, key.length - off), value);
    version.incrementAndGet();
  }

  /**
   * Deletes {@code key}; returns whether it existed. Prunes directory entries whose namespaces
   * become empty, so that an existing directory entry always leads somewhere.
   */
  public boolean delete(Txn<byte[]> txn, byte[] key) {
    Objects.requireNonNull(key, "key");
    // Directory entries walked through, outermost first; each one's ns prefix names the namespace
    // holding it, which is where pruning continues once it has been removed.
    List<byte[]> dirKeys = new ArrayList<>();
    long ns = ROOT_NS;
    int off = 0;
    while (key.length - off > SEGMENT) {
      byte[] dk = dirKey(ns, key, off);
      byte[] child = dbi.get(txn, dk);
      if (child == null) {
        return false;
      }
      dirKeys.add(dk);
      ns = decodeNs(child);
      off += SEGMENT;
    }
    if (!dbi.delete(txn, directKey(ns, key, off, key.length - off))) {
      return false;
    }
    version.incrementAndGet();
    if (!dirKeys.isEmpty()) {
      try (Cursor<byte[]> c = dbi.openCursor(txn)) {
        for (int i = dirKeys.size() - 1; i >= 0; i--) {
          if (!isNamespaceEmpty(c, ns)) {
            break;
          }
          byte[] dk = dirKeys.get(i);
          dbi.delete(txn, dk);
          ns = decodeNs(dk, 0);
        }
      }
    }
    return true;
  }

  /**
   * Opens a cursor positioned nowhere; position it with a seek, {@link TableCursor#first()} or
   * {@link TableCursor#last()}. The caller must close it before {@code txn} commits or aborts
   * (lmdbjava refuses to close a write-txn cursor after its txn has ended, and read-txn cursors
   * would leak).
   */
  public TableCursor cursor(Txn<byte[]> txn) {
    return new TableCursor(this, dbi, txn);
  }

  long version() {
    return version.get();
  }

  private long allocateNamespace(Txn<byte[]> txn) {
    byte[] stored = dbi.get(txn, COUNTER_KEY);
    // Counter holds the next free id; ids start at 1 because 0 is the root.
    long next = stored == null ? 1L : decodeNs(stored);
    if (next == COUNTER_NS) {
      throw new IllegalStateException("namespace ids exhausted");
    }
    dbi.put(txn, COUNTER_KEY, nsBytes(next + 1));
    return next;
  }

  private static boolean isNamespaceEmpty(Cursor<byte[]> c, long ns) {
    byte[] start = nsBytes(ns);
    if (!c.get(start, GetOp.MDB_SET_RANGE)) {
      return true;
    }
    return !hasNsPrefix(c.key(), start);
  }

  // ---- key encoding ------------------------------------------------------------------------

  static byte[] nsBytes(long ns) {
    byte[] b = new byte[NS_BYTES];
    putNs(b, ns);
    return b;
  }

  static void putNs(byte[] b, long ns) {
    for (int i = NS_BYTES - 1; i >= 0; i--) {
      b[i] = (byte) ns;
      ns >>>= 8;
    }
  }

  static long decodeNs(byte[] b) {
    if (b.length != NS_BYTES) {
      throw new IllegalStateException("corrupt namespace id of length " + b.length);
    }
    return decodeNs(b, 0);
  }

  static long decodeNs(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < NS_BYTES; i++) {
      v = (v << 8) | (b[off + i] & 0xFF);
    }
    return v;
  }

  /** {@code ns ‖ src[off : off+len]}. */
  static byte[] directKey(long ns, byte[] src, int off, int len) {
    byte[] k = new byte[NS_BYTES + len];
    putNs(k, ns);
    System.arraycopy(src, off, k, NS_BYTES, len);
    return k;
  }

  /** {@code ns ‖ src[off : off+T] ‖ 0x00}; requires {@code src.length - off > T}. */
  static byte[] dirKey(long ns, byte[] src, int off) {
    byte[] k = new byte[DIR_KEY_LENGTH];
    putNs(k, ns);
    System.arraycopy(src, off, k, NS_BYTES, SEGMENT);
    // Last byte stays 0x00: the immediate memcmp successor of the direct key P.
    return k;
  }

  static boolean isDirKey(byte[] lmdbKey) {
    return lmdbKey.length == DIR_KEY_LENGTH;
  }

  static boolean hasNsPrefix(byte[] lmdbKey, byte[] ns) {
    return lmdbKey.length >= NS_BYTES && Arrays.equals(lmdbKey, 0, NS_BYTES, ns, 0, NS_BYTES);
  }
}
