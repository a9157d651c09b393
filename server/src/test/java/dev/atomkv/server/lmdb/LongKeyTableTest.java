package dev.atomkv.server.lmdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmdbjava.ByteArrayProxy;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.SeekOp;
import org.lmdbjava.Txn;

class LongKeyTableTest {

  private static final int T = LongKeyTable.SEGMENT;
  /** Bytes that make keys collide on long prefixes and exercise the 0x00 / 0xFF edges. */
  private static final byte[] EDGE_BYTES = {0x00, 0x01, 0x7F, (byte) 0x80, (byte) 0xFE, (byte) 0xFF};

  @TempDir Path dir;

  private Env<byte[]> env;
  private Dbi<byte[]> dbi;
  private LongKeyTable table;

  @BeforeEach
  void open() {
    env =
        Env.create(ByteArrayProxy.PROXY_BA)
            .setMapSize(1L << 30)
            .setMaxDbs(4)
            .open(dir.toFile(), EnvFlags.MDB_NOTLS);
    dbi = env.openDbi("t", DbiFlags.MDB_CREATE);
    table = new LongKeyTable(dbi);
  }

  @AfterEach
  void close() {
    if (env != null) {
      env.close();
    }
  }

  // ---- randomized property test --------------------------------------------------------------

  @Test
  void randomizedAgainstTreeMap() {
    long seed = Long.getLong("atomkv.test.seed", 20261122L);
    System.out.println("seed=" + seed);
    Random rnd = new Random(seed);
    Gen gen = new Gen(rnd);
    TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);

    for (int round = 0; round < 8; round++) {
      String ctx = "seed=" + seed + " round=" + round;
      try (Txn<byte[]> txn = env.txnWrite()) {
        int ops = 600;
        for (int i = 0; i < ops; i++) {
          int op = rnd.nextInt(10);
          if (op < 6 || model.isEmpty()) {
            byte[] k = gen.key(model);
            byte[] v = gen.value();
            table.put(txn, k, v);
            model.put(k, v);
          } else if (op < 8) {
            byte[] k = randomExisting(rnd, model);
            byte[] v = gen.value();
            table.put(txn, k, v); // overwrite
            model.put(k, v);
          } else {
            byte[] k = rnd.nextInt(4) == 0 ? gen.key(model) : randomExisting(rnd, model);
            boolean existed = model.remove(k) != null;
            assertEquals(existed, table.delete(txn, k), ctx + " delete " + describe(k));
          }
        }
        if (round == 3) {
          // Drop every key that lives below the directory of the shared prefix's first segment
          // (this includes the 1100-byte prefix), so a whole subtree of namespaces must disappear
          // while the direct key P itself, if stored, stays.
          byte[] p = Arrays.copyOf(gen.shared600, T);
          List<byte[]> doomed = new ArrayList<>();
          for (byte[] k : model.keySet()) {
            if (k.length > T && startsWith(k, p)) {
              doomed.add(k);
            }
          }
          assertFalse(doomed.isEmpty());
          for (byte[] k : doomed) {
            assertTrue(table.delete(txn, k), ctx + " delete shared " + describe(k));
            model.remove(k);
          }
          assertNoDirectoryFor(txn, p);
        }
        checkAll(txn, model, gen, rnd, ctx + " (write txn)");
        txn.commit();
      }
      try (Txn<byte[]> txn = env.txnRead()) {
        checkAll(txn, model, gen, rnd, ctx + " (read txn)");
      }
    }

    // Delete every key that needed a child namespace: only root entries and the counter may stay.
    try (Txn<byte[]> txn = env.txnWrite()) {
      List<byte[]> longKeys = new ArrayList<>();
      for (byte[] k : model.keySet()) {
        if (k.length > T) {
          longKeys.add(k);
        }
      }
      assertFalse(longKeys.isEmpty());
      for (byte[] k : longKeys) {
        assertTrue(table.delete(txn, k));
        model.remove(k);
      }
      txn.commit();
    }
    try (Txn<byte[]> txn = env.txnRead()) {
      int rootEntries = 0;
      boolean counterSeen = false;
      try (Cursor<byte[]> c = dbi.openCursor(txn)) {
        for (boolean ok = c.first(); ok; ok = c.next()) {
          byte[] k = c.key();
          if (Arrays.equals(k, LongKeyTable.COUNTER_KEY)) {
            counterSeen = true;
            continue;
          }
          assertEquals(0L, LongKeyTable.decodeNs(k, 0), "non-root entry " + describe(k));
          assertFalse(LongKeyTable.isDirKey(k), "directory entry left " + describe(k));
          rootEntries++;
        }
      }
      assertTrue(counterSeen);
      assertEquals(model.size(), rootEntries);
      checkAll(txn, model, gen, rnd, "seed=" + seed + " after dropping long keys");
    }
  }

  private void checkAll(
      Txn<byte[]> txn, TreeMap<byte[], byte[]> model, Gen gen, Random rnd, String ctx) {
    checkStructure(txn);
    try (TableCursor c = table.cursor(txn)) {
      // Full forward iteration.
      List<Map.Entry<byte[], byte[]>> expected = new ArrayList<>(model.entrySet());
      int i = 0;
      for (boolean ok = c.first(); ok; ok = c.next()) {
        assertTrue(i < expected.size(), ctx + " forward: extra key " + describe(c.key()));
        assertArrayEquals(expected.get(i).getKey(), c.key(), ctx + " forward key #" + i);
        assertArrayEquals(expected.get(i).getValue(), c.value(), ctx + " forward value #" + i);
        i++;
      }
      assertEquals(expected.size(), i, ctx + " forward count");
      assertFalse(c.isPositioned());
      assertFalse(c.next());

      // Full reverse iteration.
      i = expected.size();
      for (boolean ok = c.last(); ok; ok = c.prev()) {
        i--;
        assertTrue(i >= 0, ctx + " reverse: extra key " + describe(c.key()));
        assertArrayEquals(expected.get(i).getKey(), c.key(), ctx + " reverse key #" + i);
        assertArrayEquals(expected.get(i).getValue(), c.value(), ctx + " reverse value #" + i);
      }
      assertEquals(0, i, ctx + " reverse count");
      assertFalse(c.prev());

      // Random seeks in both directions, then a walk in random directions.
      for (int s = 0; s < 600; s++) {
        byte[] bound = gen.bound(model);
        boolean ge = rnd.nextBoolean();
        byte[] want = ge ? model.ceilingKey(bound) : model.lowerKey(bound);
        boolean got = ge ? c.seekGE(bound) : c.seekLT(bound);
        String sctx = ctx + (ge ? " seekGE " : " seekLT ") + describe(bound);
        assertCursorAt(c, got, want, model, sctx);
        byte[] cur = want;
        for (int step = 0; cur != null && step < 4; step++) {
          boolean fwd = rnd.nextInt(3) != 0;
          byte[] nextWant = fwd ? model.higherKey(cur) : model.lowerKey(cur);
          boolean moved = fwd ? c.next() : c.prev();
          assertCursorAt(c, moved, nextWant, model, sctx + " step " + step + (fwd ? " next" : " prev"));
          cur = nextWant;
        }
      }
    }

    // Point reads of present and absent keys.
    List<byte[]> keys = new ArrayList<>(model.keySet());
    for (int g = 0; g < 200 && !keys.isEmpty(); g++) {
      byte[] k = keys.get(rnd.nextInt(keys.size()));
      assertArrayEquals(model.get(k), table.get(txn, k), ctx + " get " + describe(k));
    }
    for (int g = 0; g < 200; g++) {
      byte[] k = gen.bound(model);
      assertArrayEquals(model.get(k), table.get(txn, k), ctx + " get " + describe(k));
    }
  }

  private static void assertCursorAt(
      TableCursor c, boolean got, byte[] want, NavigableMap<byte[], byte[]> model, String ctx) {
    if (want == null) {
      assertFalse(got, () -> ctx + ": expected none, got " + describe(c.key()));
      assertFalse(c.isPositioned(), ctx);
    } else {
      assertTrue(got, () -> ctx + ": expected " + describe(want) + ", got none");
      assertArrayEquals(want, c.key(), () -> ctx + ": expected " + describe(want) + ", got " + describe(c.key()));
      assertArrayEquals(model.get(want), c.value(), ctx + " value");
    }
  }

  /**
   * Walks the raw Dbi and checks the trie invariants: every non-root namespace that holds entries
   * is referenced by exactly one directory entry, every directory leads to a non-empty namespace,
   * and the counter is beyond every id in use.
   */
  private void checkStructure(Txn<byte[]> txn) {
    Map<Long, Integer> entriesPerNs = new HashMap<>();
    Map<Long, byte[]> dirOf = new HashMap<>();
    long counter = 1;
    long maxId = 0;
    try (Cursor<byte[]> c = dbi.openCursor(txn)) {
      for (boolean ok = c.seek(SeekOp.MDB_FIRST); ok; ok = c.seek(SeekOp.MDB_NEXT)) {
        byte[] k = c.key();
        if (Arrays.equals(k, LongKeyTable.COUNTER_KEY)) {
          counter = LongKeyTable.decodeNs(c.val());
          continue;
        }
        assertTrue(k.length >= 8 && k.length <= LongKeyTable.DIR_KEY_LENGTH, describe(k));
        long ns = LongKeyTable.decodeNs(k, 0);
        assertTrue(ns != -1L, "entry in the counter namespace " + describe(k));
        entriesPerNs.merge(ns, 1, Integer::sum);
        if (ns != 0) {
          assertTrue(k.length > 8, "empty segment in a child namespace");
        }
        if (LongKeyTable.isDirKey(k)) {
          assertEquals(0, k[k.length - 1], "directory key must end in 0x00");
          long child = LongKeyTable.decodeNs(c.val());
          assertTrue(child != 0 && child != -1L);
          assertNull(dirOf.put(child, k), "namespace referenced twice: " + child);
          maxId = Math.max(maxId, child);
        }
      }
    }
    for (Map.Entry<Long, byte[]> d : dirOf.entrySet()) {
      assertTrue(entriesPerNs.containsKey(d.getKey()), "directory to empty namespace " + d.getKey());
    }
    for (Long ns : entriesPerNs.keySet()) {
      if (ns != 0) {
        assertTrue(dirOf.containsKey(ns), "orphan namespace " + ns);
      }
    }
    assertTrue(maxId < counter, "counter " + counter + " not beyond id " + maxId);
  }

  private void assertNoDirectoryFor(Txn<byte[]> txn, byte[] segment) {
    byte[] dk = LongKeyTable.dirKey(0, segment, 0);
    assertNull(dbi.get(txn, dk), "directory entry for pruned prefix still present");
  }

  // ---- targeted tests ------------------------------------------------------------------------

  @Test
  void nestedChildTxnAbortLeavesNothing() {
    byte[] a = keyOf(700, 1);
    byte[] b = keyOf(1600, 2);
    byte[] shortKey = {3, 2, 1}; // sorts after a (0x01...) and b (0x02...)
    try (Txn<byte[]> parent = env.txnWrite()) {
      table.put(parent, shortKey, new byte[] {9});
      byte[] counterBefore = dbi.get(parent, LongKeyTable.COUNTER_KEY);
      try (Txn<byte[]> child = env.txn(parent)) {
        table.put(child, a, new byte[] {1});
        table.put(child, b, new byte[] {2});
        table.put(child, shortKey, new byte[] {7});
        assertArrayEquals(new byte[] {1}, table.get(child, a));
        try (TableCursor c = table.cursor(child)) {
          assertTrue(c.first());
          assertArrayEquals(a, c.key());
          assertTrue(c.next());
          assertArrayEquals(b, c.key());
          assertTrue(c.next());
          assertArrayEquals(shortKey, c.key());
          assertArrayEquals(new byte[] {7}, c.value());
          assertFalse(c.next());
        }
        child.abort();
      }
      assertNull(table.get(parent, a));
      assertNull(table.get(parent, b));
      assertArrayEquals(new byte[] {9}, table.get(parent, shortKey));
      assertArrayEquals(counterBefore, dbi.get(parent, LongKeyTable.COUNTER_KEY));
      assertEquals(1, dbi.stat(parent).entries, "only the short key remains");
      parent.commit();
    }
    try (Txn<byte[]> txn = env.txnRead();
        TableCursor c = table.cursor(txn)) {
      assertTrue(c.first());
      assertArrayEquals(shortKey, c.key());
      assertArrayEquals(new byte[] {9}, c.value());
      assertFalse(c.next());
    }
  }

  @Test
  void nestedChildTxnCommitIsVisible() {
    byte[] a = keyOf(1200, 3);
    try (Txn<byte[]> parent = env.txnWrite()) {
      try (Txn<byte[]> child = env.txn(parent)) {
        table.put(child, a, new byte[] {5});
        child.commit();
      }
      assertArrayEquals(new byte[] {5}, table.get(parent, a));
      try (Txn<byte[]> child = env.txn(parent)) {
        assertTrue(table.delete(child, a));
        child.commit();
      }
      assertNull(table.get(parent, a));
      checkStructure(parent);
      parent.commit();
    }
    try (Txn<byte[]> txn = env.txnRead()) {
      assertNull(table.get(txn, a));
      assertEquals(1, dbi.stat(txn).entries, "only the counter remains");
    }
  }

  @Test
  void emptyKeyAndEmptyValue() {
    try (Txn<byte[]> txn = env.txnWrite()) {
      table.put(txn, new byte[0], new byte[0]);
      table.put(txn, new byte[] {0}, new byte[] {1});
      assertArrayEquals(new byte[0], table.get(txn, new byte[0]));
      try (TableCursor c = table.cursor(txn)) {
        assertTrue(c.first());
        assertArrayEquals(new byte[0], c.key());
        assertArrayEquals(new byte[0], c.value());
        assertFalse(c.seekLT(new byte[0]));
        assertTrue(c.seekLT(new byte[] {0}));
        assertArrayEquals(new byte[0], c.key());
      }
      assertTrue(table.delete(txn, new byte[0]));
      assertFalse(table.delete(txn, new byte[0]));
      assertNull(table.get(txn, new byte[0]));
      txn.commit();
    }
  }

  @Test
  void shortKeysOnlyHaveNoCounterAndSeekPastTheEnd() {
    byte[][] keys = {{0x00}, {0x10, 0x00}, {0x10}, {(byte) 0xFF, (byte) 0xFE}};
    try (Txn<byte[]> txn = env.txnWrite()) {
      for (byte[] k : keys) {
        table.put(txn, k, k);
      }
      assertNull(dbi.get(txn, LongKeyTable.COUNTER_KEY), "no child namespace was needed");
      try (TableCursor c = table.cursor(txn)) {
        // Nothing in the Dbi is >= these bounds, so LMDB's SET_RANGE fails underneath.
        assertTrue(c.last());
        assertArrayEquals(keys[3], c.key());
        assertTrue(c.seekLT(keyOf(40, 0xFF)));
        assertArrayEquals(keys[3], c.key());
        assertTrue(c.seekLT(keyOf(1700, 0xFF)));
        assertArrayEquals(keys[3], c.key());
        assertTrue(c.prev());
        assertArrayEquals(keys[1], c.key());
        assertFalse(c.seekGE(keyOf(1700, 0xFF)));
        assertTrue(c.seekGE(new byte[] {0x10}));
        assertArrayEquals(keys[2], c.key());
        assertTrue(c.next());
        assertArrayEquals(keys[1], c.key());
      }
      txn.commit();
    }
  }

  @Test
  void emptyTable() {
    try (Txn<byte[]> txn = env.txnRead();
        TableCursor c = table.cursor(txn)) {
      assertFalse(c.first());
      assertFalse(c.last());
      assertFalse(c.seekGE(new byte[0]));
      assertFalse(c.seekLT(keyOf(3000, 1)));
      assertFalse(c.next());
      assertThrows(IllegalStateException.class, c::key);
      assertNull(table.get(txn, keyOf(800, 1)));
    }
  }

  @Test
  void modifyingWhileIteratingInWriteTxn() {
    TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
    Random rnd = new Random(7);
    Gen gen = new Gen(rnd);
    try (Txn<byte[]> txn = env.txnWrite()) {
      for (int i = 0; i < 300; i++) {
        byte[] k = gen.key(model);
        byte[] v = gen.value();
        table.put(txn, k, v);
        model.put(k, v);
      }
      // Delete every other key while walking forward, insert extensions of some keys ahead of
      // the cursor, and check the walk still visits exactly the keys the model says are next.
      try (TableCursor c = table.cursor(txn)) {
        boolean ok = c.first();
        int n = 0;
        while (ok) {
          byte[] k = c.key();
          assertTrue(model.containsKey(k), describe(k));
          if (n++ % 2 == 0) {
            assertTrue(table.delete(txn, k));
            model.remove(k);
          }
          if (n % 5 == 0) {
            byte[] ext = Arrays.copyOf(k, k.length + 1 + rnd.nextInt(1200));
            rnd.nextBytes(ext);
            System.arraycopy(k, 0, ext, 0, k.length);
            byte[] v = gen.value();
            table.put(txn, ext, v);
            model.put(ext, v);
          }
          byte[] want = model.higherKey(k);
          ok = c.next();
          if (want == null) {
            assertFalse(ok);
          } else {
            assertTrue(ok);
            assertArrayEquals(want, c.key());
          }
        }
      }
      // And backwards, deleting everything.
      try (TableCursor c = table.cursor(txn)) {
        for (boolean ok = c.last(); ok; ok = c.prev()) {
          byte[] k = c.key();
          assertTrue(table.delete(txn, k));
          model.remove(k);
        }
      }
      assertTrue(model.isEmpty());
      assertEquals(1, dbi.stat(txn).entries, "only the counter remains");
      txn.commit();
    }
  }

  @Test
  void valuesAreCopies() {
    byte[] k = keyOf(900, 4);
    try (Txn<byte[]> txn = env.txnWrite()) {
      table.put(txn, k, new byte[] {1, 2});
      byte[] v = table.get(txn, k);
      v[0] = 42;
      try (TableCursor c = table.cursor(txn)) {
        assertTrue(c.first());
        c.key()[0] ^= 1;
        c.value()[0] = 43;
        assertArrayEquals(k, c.key());
        assertArrayEquals(new byte[] {1, 2}, c.value());
      }
      txn.commit();
    }
    byte[] afterClose;
    try (Txn<byte[]> txn = env.txnRead()) {
      afterClose = table.get(txn, k);
    }
    assertNotNull(afterClose);
    assertArrayEquals(new byte[] {1, 2}, afterClose);
  }

  // ---- generators and helpers ----------------------------------------------------------------

  /** Key and bound generator biased towards the awkward cases of the trie. */
  private static final class Gen {
    private static final int[] FIXED_LENGTHS = {
      1, 499, 500, 501, 510, 511, 512, 999, 1000, 1001, 1500, 2048, 2049, 2100
    };

    final Random rnd;
    final byte[] shared600;
    final byte[] shared1100;

    Gen(Random rnd) {
      this.rnd = rnd;
      this.shared600 = bytes(600);
      this.shared1100 = Arrays.copyOf(shared600, 1100);
      System.arraycopy(bytes(500), 0, shared1100, 600, 500);
    }

    byte[] key(NavigableMap<byte[], byte[]> existing) {
      switch (rnd.nextInt(12)) {
        case 0:
        case 1:
          return bytes(rnd.nextInt(40));
        case 2:
          return bytes(rnd.nextInt(2101));
        case 3:
          return bytes(FIXED_LENGTHS[rnd.nextInt(FIXED_LENGTHS.length)]);
        case 4:
        case 5:
          return withPrefix(shared600, rnd.nextInt(1500));
        case 6:
        case 7:
          return withPrefix(shared1100, rnd.nextInt(1000));
        case 8:
          // Truncations of the shared prefixes, landing on and around segment boundaries.
          return Arrays.copyOf(rnd.nextBoolean() ? shared600 : shared1100, around(rnd.nextBoolean() ? T : 2 * T));
        case 9:
          if (!existing.isEmpty()) {
            byte[] k = randomExisting(rnd, existing);
            return Arrays.copyOf(k, rnd.nextInt(k.length + 1)); // a prefix of a stored key
          }
          return bytes(10);
        case 10:
          if (!existing.isEmpty()) {
            byte[] k = randomExisting(rnd, existing);
            return withPrefix(k, 1 + rnd.nextInt(Math.max(1, 2100 - k.length))); // an extension
          }
          return bytes(10);
        default:
          return withPrefix(shared600, 0);
      }
    }

    byte[] bound(NavigableMap<byte[], byte[]> existing) {
      int kind = rnd.nextInt(8);
      if (existing.isEmpty() || kind == 0) {
        return key(existing);
      }
      byte[] k = randomExisting(rnd, existing);
      switch (kind) {
        case 1:
          return k.clone();
        case 2:
          return Arrays.copyOf(k, rnd.nextInt(k.length + 1));
        case 3:
          return withPrefix(k, 1 + rnd.nextInt(1200));
        case 4:
          return Arrays.copyOf(k, k.length + 1); // k ‖ 0x00: the immediate successor of k
        case 5:
          {
            if (k.length == 0) {
              return k;
            }
            byte[] b = k.clone();
            int pos = rnd.nextInt(b.length);
            b[pos] += rnd.nextBoolean() ? 1 : -1;
            return b;
          }
        case 6:
          return withPrefix(rnd.nextBoolean() ? shared600 : shared1100, rnd.nextInt(1200));
        default:
          return Arrays.copyOf(rnd.nextBoolean() ? shared600 : shared1100, around(rnd.nextBoolean() ? T : 2 * T));
      }
    }

    byte[] value() {
      byte[] v = new byte[rnd.nextInt(5) == 0 ? rnd.nextInt(3000) : rnd.nextInt(24)];
      rnd.nextBytes(v);
      return v;
    }

    private int around(int n) {
      return n - 2 + rnd.nextInt(5);
    }

    private byte[] withPrefix(byte[] prefix, int tail) {
      byte[] k = Arrays.copyOf(prefix, prefix.length + tail);
      System.arraycopy(bytes(tail), 0, k, prefix.length, tail);
      return k;
    }

    /** Random bytes, mostly drawn from a tiny alphabet of edge values so keys collide often. */
    private byte[] bytes(int n) {
      byte[] b = new byte[n];
      boolean edgy = rnd.nextBoolean();
      for (int i = 0; i < n; i++) {
        b[i] = edgy || rnd.nextInt(4) == 0 ? EDGE_BYTES[rnd.nextInt(EDGE_BYTES.length)] : (byte) rnd.nextInt(256);
      }
      return b;
    }
  }

  private static byte[] randomExisting(Random rnd, NavigableMap<byte[], byte[]> model) {
    // Uniform over stored keys (a random probe + ceiling would rarely pick keys inside the
    // shared-prefix clusters, which are the interesting ones); O(n) is fine at this size.
    byte[][] keys = model.keySet().toArray(new byte[0][]);
    return keys[rnd.nextInt(keys.length)];
  }

  private static boolean startsWith(byte[] k, byte[] prefix) {
    return k.length >= prefix.length && Arrays.equals(k, 0, prefix.length, prefix, 0, prefix.length);
  }

  private static byte[] keyOf(int length, int fill) {
    byte[] k = new byte[length];
    Arrays.fill(k, (byte) fill);
    return k;
  }

  private static String describe(byte[] k) {
    if (k == null) {
      return "null";
    }
    String hex = HexFormat.of().formatHex(k, 0, Math.min(k.length, 12));
    int tailFrom = Math.max(12, k.length - 12);
    String tail = tailFrom < k.length ? "…" + HexFormat.of().formatHex(k, tailFrom, k.length) : "";
    return "[len=" + k.length + " " + hex + tail + " h=" + Arrays.hashCode(k) + "]";
  }
}
