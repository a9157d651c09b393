package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.atomkv.client.AtomicOperation;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvListIterator;
import dev.atomkv.client.KvValue;
import dev.atomkv.client.ListOptions;
import dev.atomkv.client.ListSelector;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.ListRequest;
import dev.atomkv.proto.v1.ListResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §1.1: encoded keys up to 2048 bytes (LMDB's own limit is 511) are stored, read, listed in
 * order, seeked to by arbitrary bounds, deleted and expired correctly. A seeded random mix of short
 * and long keys is mirrored in a sorted model (encoded bytes, unsigned) and every List page of many
 * random selectors is compared with it. Seed: system property {@code atomkv.test.seed}.
 */
class LongKeysIT {
  private static final long SEED = Long.getLong("atomkv.test.seed", 20261122L);
  private static final int MAX_KEY = 2048;
  private static final int MAX_READ = 2049;

  /** 595 characters: enc(["p", SHARED]) is exactly 600 bytes (3 for "p", 1 + 595 + 1). */
  private static final String SHARED = sharedString();
  private static final Key SHARED_PREFIX = Key.of("p", SHARED);

  /** Keys of exactly 499, 500 and 501 bytes that other keys extend (LongKeyTable splits at 500). */
  private static final Key K499 = Keys.pString("k499-", 499);
  private static final Key K500 = Keys.pString("k500-", 500);
  private static final Key K501 = Keys.pString("k501-", 501);

  private static final int[] EXACT_LENGTHS =
      {499, 500, 501, 502, 508, 509, 510, 511, 512, 513, 999, 1000, 1001, 1500, 1501, 2047, 2048};

  @TempDir Path dir;
  RunningServer server;

  private Random rnd;
  private final TreeMap<byte[], Item> model = new TreeMap<>(Keys.UNSIGNED);
  private final List<String> stringPool = new ArrayList<>();
  private final List<String> tailPool = new ArrayList<>();
  private int valueCounter;
  private long pagesChecked;
  private long entriesChecked;
  private long selectorsChecked;

  record Item(Key key, byte[] encoded, String value) {}

  /** A selector with its byte range [lo, hi) and cursor base, for the raw stub and the client. */
  record Sel(String desc, ListRequest proto, ListSelector client, byte[] lo, byte[] hi, byte[] common) {}

  private static String sharedString() {
    StringBuilder sb = new StringBuilder();
    while (sb.length() < 595) {
      sb.append("shared-long-prefix/").append(sb.length()).append('/');
    }
    return sb.substring(0, 595);
  }

  @BeforeEach
  void start() throws Exception {
    server = RunningServer.start(dir);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void longKeysBehaveLikeASortedMap() throws Exception {
    System.out.println("LongKeysIT seed=" + SEED + " (rerun with -Datomkv.test.seed=" + SEED + ")");
    rnd = new Random(SEED);
    long began = System.nanoTime();
    setup(Keys.encodedLength(SHARED_PREFIX) == 600, "the shared prefix must encode to 600 bytes");

    // ---- phase 1: insert
    List<Key> initial = new ArrayList<>();
    for (int len : EXACT_LENGTHS) {
      initial.add(Keys.pString("len" + len + "-", len));
      if (len >= 602) {
        initial.add(sharedWithLength(len));
      }
    }
    for (Key k : List.of(K499, K500, K501)) {
      initial.add(k);
      initial.add(k.append(""));
      initial.add(k.append(1L));
      initial.add(extendTo(k, 1000));
      initial.add(extendTo(k, 1001));
      initial.add(extendTo(k, MAX_KEY));
    }
    initial.add(SHARED_PREFIX);
    initial.add(SHARED_PREFIX.append(""));
    initial.add(SHARED_PREFIX.append(new byte[0]));
    while (initial.size() < 360) {
      initial.add(randomKey());
    }
    Collections.shuffle(initial, rnd);
    putAll(initial, null);
    System.out.println("LongKeysIT: " + model.size() + " keys stored, longest "
        + model.keySet().stream().mapToInt(b -> b.length).max().orElse(0) + " bytes");
    setup(model.keySet().stream().anyMatch(b -> b.length == MAX_KEY), "no 2048-byte key generated");

    checkEverything("after insert");
    checkSpecialPrefixes("after insert");
    checkBoundaryBounds("after insert");
    randomSelectors("after insert", 15);

    // ---- phase 2: overwrite, delete, delete all under the shared prefix, re-create
    List<Item> items = new ArrayList<>(model.values());
    Collections.shuffle(items, rnd);
    List<Key> overwrite = new ArrayList<>();
    for (Item it : items.subList(0, 60)) {
      overwrite.add(it.key());
    }
    putAll(overwrite, null);
    List<Key> delete = new ArrayList<>();
    for (Item it : items.subList(60, 120)) {
      delete.add(it.key());
    }
    delete.add(K500); // the 500-byte key goes, its extensions stay
    for (Item it : under(K501)) {
      delete.add(it.key()); // K501's extensions go, K501 stays
    }
    deleteAll(delete);

    checkEverything("after overwrite/delete");
    randomSelectors("after overwrite/delete", 6);

    List<Key> shared = new ArrayList<>();
    shared.add(SHARED_PREFIX);
    for (Item it : under(SHARED_PREFIX)) {
      shared.add(it.key());
    }
    setup(shared.size() > 50, "only " + shared.size() + " keys under the shared prefix");
    Collections.shuffle(shared, rnd);
    deleteAll(shared);
    ListResponse none = server.stub().list(ListRequest.newBuilder().setPrefix(Keys.toProto(SHARED_PREFIX)).build());
    assertEquals(0, none.getEntriesCount(), "seed=" + SEED);
    assertEquals("", none.getCursor());
    for (Key k : shared.subList(0, 20)) {
      assertFalse(server.client().get(k).exists(), "seed=" + SEED + " deleted key still readable");
    }
    checkEverything("after deleting the shared prefix");
    randomSelectors("after deleting the shared prefix", 5);

    List<Key> again = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      again.add(sharedKey());
    }
    again.add(sharedWithLength(MAX_KEY));
    putAll(again, null);
    checkEverything("after re-creating the shared prefix");
    checkSpecialPrefixes("after re-creating the shared prefix");
    randomSelectors("after re-creating the shared prefix", 8);

    // ---- phase 3: expiry of long keys
    List<Key> expiring = new ArrayList<>();
    List<Item> longOnes = new ArrayList<>();
    for (Item it : model.values()) {
      if (it.encoded().length >= 500) {
        longOnes.add(it);
      }
    }
    Collections.shuffle(longOnes, rnd);
    Key revived = longOnes.get(0).key();
    for (Item it : longOnes.subList(1, 16)) {
      expiring.add(it.key());
    }
    while (expiring.size() < 25) {
      Key k = randomKey();
      if (Keys.encodedLength(k) >= 500 && !model.containsKey(Keys.encode(k)) && !expiring.contains(k)) {
        expiring.add(k);
      }
    }
    expiring.add(sharedWithLength(MAX_KEY - 1));
    expiring.removeIf(k -> k.equals(revived));
    long before = System.currentTimeMillis();
    putAll(expiring, Duration.ofMillis(150));
    assertTrue(server.client().set(revived, KvValue.of("revived"), Duration.ofMillis(150)).ok());
    assertTrue(server.client().set(revived, KvValue.of("revived")).ok()); // clears the expiry
    long after = System.currentTimeMillis();
    for (Key k : expiring) {
      model.remove(Keys.encode(k));
    }
    model.put(Keys.encode(revived), new Item(revived, Keys.encode(revived), "revived"));
    // While they live, they are listed with their expiry time (only checked if not yet expired).
    ListResponse early = server.stub().list(ListRequest.newBuilder()
        .setPrefix(dev.atomkv.proto.v1.Key.getDefaultInstance()).setLimit(1000).build());
    if (System.currentTimeMillis() < before + 150) {
      int withExpiry = 0;
      for (Entry e : early.getEntriesList()) {
        if (e.getExpiresAtMs() != 0) {
          withExpiry++;
          assertTrue(e.getExpiresAtMs() >= before + 150 && e.getExpiresAtMs() <= after + 150);
        }
      }
      assertEquals(expiring.size(), withExpiry, "seed=" + SEED);
    }

    Thread.sleep(Math.max(0, after + 1500 - System.currentTimeMillis()));
    for (KvEntry e : server.client().getMany(expiring)) {
      assertFalse(e.exists(), () -> "seed=" + SEED + " expired key still readable: " + id(Keys.encode(e.key())));
    }
    KvEntry rev = server.client().get(revived);
    assertTrue(rev.exists(), "seed=" + SEED);
    assertEquals(KvValue.of("revived"), rev.value());
    assertNull(rev.expiresAt(), "a set without expireIn clears the expiry");
    checkEverything("after expiry");
    checkSpecialPrefixes("after expiry");
    checkBoundaryBounds("after expiry");
    randomSelectors("after expiry", 8);

    // Expired long keys can be written again.
    putAll(expiring.subList(0, 5), null);
    checkEverything("after re-writing expired keys");

    long tookMs = (System.nanoTime() - began) / 1_000_000;
    System.out.println("LongKeysIT: done in " + tookMs + " ms, " + model.size() + " keys in the model, "
        + selectorsChecked + " selectors, " + pagesChecked + " raw pages, " + entriesChecked
        + " entries compared");
  }

  /** A check of the test's own data (not of the server): the scenario is what it claims. */
  private static void setup(boolean ok, String problem) {
    if (!ok) {
      throw new IllegalStateException("test setup: " + problem);
    }
  }

  // ------------------------------------------------------------------ key generation

  private String randomString(int n) {
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      sb.append((char) ('a' + rnd.nextInt(4)));
    }
    return sb.toString();
  }

  /** A string of length n that often shares a long prefix with an earlier one from the pool. */
  private String pooledString(List<String> pool, int n) {
    String s;
    if (!pool.isEmpty() && rnd.nextInt(3) > 0) {
      String base = pool.get(rnd.nextInt(pool.size()));
      int keep = Math.min(n, rnd.nextInt(base.length() + 1));
      s = base.substring(0, keep) + randomString(n - keep);
    } else {
      s = randomString(n);
    }
    pool.add(s);
    return s;
  }

  /** ["p", SHARED, tail]: 600 + 1 + |tail| + 1 bytes. */
  private Key sharedKey() {
    return Key.of("p", SHARED, pooledString(tailPool, rnd.nextInt(MAX_KEY - 602 + 1)));
  }

  private Key sharedWithLength(int len) {
    Key k = Key.of("p", SHARED, "t" + pooledString(tailPool, len - 603));
    setup(Keys.encodedLength(k) == len, "length arithmetic for " + len);
    return k;
  }

  /** k plus one string part, to exactly {@code len} encoded bytes. */
  private Key extendTo(Key k, int len) {
    int n = len - Keys.encodedLength(k) - 2;
    Key out = k.append(randomString(n));
    setup(Keys.encodedLength(out) == len, "length arithmetic for " + len);
    return out;
  }

  private Key randomKey() {
    while (true) {
      Key k = switch (rnd.nextInt(11)) {
        case 0, 1 -> Key.of("p", randomString(1 + rnd.nextInt(12)));
        case 2, 3 -> Key.of("p", pooledString(stringPool, 300 + rnd.nextInt(MAX_KEY - 5 - 300 + 1)));
        case 4, 5, 6 -> sharedKey();
        case 7 -> sharedKey().append((long) rnd.nextInt(4));
        case 8 -> {
          Key base = List.of(K499, K500, K501).get(rnd.nextInt(3));
          yield base.append(randomString(rnd.nextInt(MAX_KEY - 501 - 2 + 1)));
        }
        case 9 -> {
          byte[] b = new byte[rnd.nextInt(900)];
          for (int i = 0; i < b.length; i++) {
            int r = rnd.nextInt(4);
            b[i] = (byte) (r == 0 ? 0x00 : r == 1 ? 0xff : rnd.nextInt(256));
          }
          yield Key.of("p", SHARED, b);
        }
        default -> Key.of(rnd.nextBoolean() ? "o" : "q", pooledString(stringPool, rnd.nextInt(1500)));
      };
      if (Keys.encodedLength(k) <= MAX_KEY) {
        return k;
      }
    }
  }

  // ------------------------------------------------------------------ writes, mirrored in the model

  private void putAll(List<Key> keys, Duration expireIn) {
    List<Key> todo = new ArrayList<>();
    for (Key k : keys) {
      if (!todo.contains(k)) {
        todo.add(k);
      }
    }
    for (int from = 0; from < todo.size(); from += 25) {
      AtomicOperation op = server.client().atomic();
      for (Key k : todo.subList(from, Math.min(todo.size(), from + 25))) {
        String value = "v" + (valueCounter++);
        if (expireIn == null) {
          op.set(k, KvValue.of(value));
          byte[] enc = Keys.encode(k);
          model.put(enc, new Item(k, enc, value));
        } else {
          op.set(k, KvValue.of(value), expireIn);
        }
      }
      assertTrue(op.commit().ok());
    }
  }

  private void deleteAll(List<Key> keys) {
    for (int from = 0; from < keys.size(); from += 40) {
      AtomicOperation op = server.client().atomic();
      for (Key k : keys.subList(from, Math.min(keys.size(), from + 40))) {
        op.delete(k);
        model.remove(Keys.encode(k));
      }
      assertTrue(op.commit().ok());
    }
  }

  /** The model's items strictly extending {@code p} (in [P+00, P+FF)). */
  private List<Item> under(Key p) {
    byte[] enc = Keys.encode(p);
    return new ArrayList<>(model.subMap(Keys.append(enc, 0x00), true, Keys.append(enc, 0xff), false).values());
  }

  // ------------------------------------------------------------------ checks

  private static String id(byte[] enc) {
    HexFormat hex = HexFormat.of();
    return enc.length + "B:" + Integer.toHexString(Arrays.hashCode(enc)) + ":"
        + hex.formatHex(enc, 0, Math.min(6, enc.length)) + ".."
        + hex.formatHex(enc, Math.max(0, enc.length - 6), enc.length);
  }

  private static List<String> ids(List<Item> items) {
    List<String> out = new ArrayList<>();
    for (Item it : items) {
      out.add(id(it.encoded()));
    }
    return out;
  }

  private static List<String> entryIds(List<Entry> entries) {
    List<String> out = new ArrayList<>();
    for (Entry e : entries) {
      out.add(id(Keys.encode(Keys.fromProto(e.getKey()))));
    }
    return out;
  }

  /** Lists of key ids must be equal; a failure names the first difference, not both lists. */
  private static void assertSameIds(List<String> want, List<String> got, Supplier<String> msg) {
    if (want.equals(got)) {
      return;
    }
    int i = 0;
    while (i < want.size() && i < got.size() && want.get(i).equals(got.get(i))) {
      i++;
    }
    String w = i < want.size() ? want.get(i) : "(end)";
    String g = i < got.size() ? got.get(i) : "(end)";
    fail(msg.get() + ": expected " + want.size() + " keys, got " + got.size() + "; first difference at "
        + i + ": expected " + w + ", got " + g);
  }

  private List<Item> expected(Sel s, boolean reverse) {
    NavigableMap<byte[], Item> sub = Arrays.compareUnsigned(s.lo(), s.hi()) >= 0
        ? new TreeMap<>(Keys.UNSIGNED)
        : model.subMap(s.lo(), true, s.hi(), false);
    return new ArrayList<>((reverse ? sub.descendingMap() : sub).values());
  }

  private Sel prefixSel(Key p) {
    byte[] enc = Keys.encode(p);
    return new Sel("prefix " + id(enc),
        ListRequest.newBuilder().setPrefix(Keys.toProto(p)).build(), ListSelector.prefix(p),
        Keys.append(enc, 0x00), Keys.append(enc, 0xff), enc);
  }

  private Sel prefixStartSel(Key p, Key start) {
    byte[] enc = Keys.encode(p);
    return new Sel("prefix " + id(enc) + " start " + id(Keys.encode(start)),
        ListRequest.newBuilder().setPrefix(Keys.toProto(p)).setStart(Keys.toProto(start)).build(),
        ListSelector.prefixStart(p, start), Keys.encode(start), Keys.append(enc, 0xff), enc);
  }

  private Sel prefixEndSel(Key p, Key end) {
    byte[] enc = Keys.encode(p);
    return new Sel("prefix " + id(enc) + " end " + id(Keys.encode(end)),
        ListRequest.newBuilder().setPrefix(Keys.toProto(p)).setEnd(Keys.toProto(end)).build(),
        ListSelector.prefixEnd(p, end), Keys.append(enc, 0x00), Keys.encode(end), enc);
  }

  private Sel rangeSel(Key start, Key end) {
    byte[] s = Keys.encode(start);
    byte[] e = Keys.encode(end);
    return new Sel("range " + id(s) + " .. " + id(e),
        ListRequest.newBuilder().setStart(Keys.toProto(start)).setEnd(Keys.toProto(end)).build(),
        ListSelector.range(start, end), s, e, Keys.commonPrefix(s, e));
  }

  /** Pages through the selector with the raw stub; each page and cursor must match the model. */
  private void pageRaw(Sel s, boolean reverse, int limit, String cursor, List<Item> want, String ctx) {
    int pos = 0;
    for (int page = 0; ; page++) {
      final int p = page;
      Supplier<String> msg = () -> "seed=" + SEED + " " + ctx + " " + s.desc() + " reverse=" + reverse
          + " limit=" + limit + " page " + p;
      ListResponse r = server.stub().list(s.proto().toBuilder()
          .setLimit(limit).setReverse(reverse).setCursor(cursor).build());
      int n = Math.min(limit, want.size() - pos);
      List<Item> slice = want.subList(pos, pos + n);
      assertSameIds(ids(slice), entryIds(r.getEntriesList()), msg);
      for (int i = 0; i < n; i++) {
        Entry e = r.getEntries(i);
        assertEquals(slice.get(i).value(), e.getValue().getString(), msg);
        assertEquals(10, e.getVersionstamp().size(), msg);
      }
      pos += n;
      pagesChecked++;
      entriesChecked += n;
      if (pos == want.size()) {
        assertEquals("", r.getCursor(), msg);
        return;
      }
      assertEquals(Keys.cursor(want.get(pos - 1).encoded(), s.common()), r.getCursor(), msg);
      cursor = r.getCursor();
    }
  }

  private List<Item> viaClient(Sel s, ListOptions options) {
    List<Item> out = new ArrayList<>();
    KvListIterator it = server.client().list(s.client(), options);
    while (it.hasNext()) {
      KvEntry e = it.next();
      byte[] enc = Keys.encode(e.key());
      out.add(new Item(e.key(), enc, e.value().asString()));
    }
    return out;
  }

  private int pickLimit(int n) {
    if (n <= 40) {
      return 1 + rnd.nextInt(7);
    }
    return Math.max(1, n / (2 + rnd.nextInt(7)));
  }

  private void checkSelector(Sel s, String ctx) {
    selectorsChecked++;
    List<Item> forward = expected(s, false);
    List<Item> backward = expected(s, true);
    pageRaw(s, false, pickLimit(forward.size()), "", forward, ctx);
    pageRaw(s, true, pickLimit(backward.size()), "", backward, ctx);

    boolean reverse = rnd.nextBoolean();
    List<Item> want = reverse ? backward : forward;
    int batch = pickLimit(want.size());
    List<Item> got = viaClient(s, ListOptions.builder().batchSize(batch).reverse(reverse).build());
    Supplier<String> msg = () -> "seed=" + SEED + " " + ctx + " client " + s.desc() + " reverse=" + reverse
        + " batch=" + batch;
    assertSameIds(ids(want), ids(got), msg);
    for (int i = 0; i < want.size(); i++) {
      assertEquals(want.get(i).value(), got.get(i).value(), msg);
    }
    if (want.size() > 3) {
      long limit = 1 + rnd.nextInt(want.size() - 1);
      List<Item> head = viaClient(s, ListOptions.builder().batchSize(batch).reverse(reverse).limit(limit).build());
      assertSameIds(ids(want.subList(0, (int) limit)), ids(head), msg);
    }

    // Resume from the middle, both directions, from a server cursor and from the iterator's.
    for (boolean rev : new boolean[] {false, true}) {
      List<Item> w = rev ? backward : forward;
      if (w.size() < 3) {
        continue;
      }
      int m = 1 + rnd.nextInt(w.size() - 2);
      ListResponse first = server.stub().list(s.proto().toBuilder().setLimit(m).setReverse(rev).build());
      assertSameIds(ids(w.subList(0, m)), entryIds(first.getEntriesList()), msg);
      pageRaw(s, rev, pickLimit(w.size() - m), first.getCursor(), w.subList(m, w.size()), ctx + " resumed at " + m);

      int b = 1 + rnd.nextInt(Math.max(1, m));
      KvListIterator it = server.client().list(s.client(), ListOptions.builder().batchSize(b).reverse(rev).build());
      for (int i = 0; i < m; i++) {
        it.next();
      }
      String cursor = it.cursor();
      assertEquals(first.getCursor(), cursor, msg);
      List<Item> rest = viaClient(s, ListOptions.builder().batchSize(b).reverse(rev).cursor(cursor).build());
      assertSameIds(ids(w.subList(m, w.size())), ids(rest), msg);
    }
  }

  private void checkEverything(String ctx) {
    // Get, in chunks, every key of the model.
    List<Item> all = new ArrayList<>(model.values());
    for (int from = 0; from < all.size(); from += 200) {
      List<Item> chunk = all.subList(from, Math.min(all.size(), from + 200));
      List<Key> keys = new ArrayList<>();
      chunk.forEach(it -> keys.add(it.key()));
      List<KvEntry> got = server.client().getMany(keys);
      for (int i = 0; i < chunk.size(); i++) {
        final int idx = i;
        assertTrue(got.get(i).exists(), () -> "seed=" + SEED + " " + ctx + " missing " + id(chunk.get(idx).encoded()));
        assertEquals(KvValue.of(chunk.get(i).value()), got.get(i).value(), "seed=" + SEED + " " + ctx);
      }
    }
    Sel everything = prefixSel(Key.of());
    pageRaw(everything, false, 37, "", expected(everything, false), ctx);
    pageRaw(everything, true, 41, "", expected(everything, true), ctx);
    pageRaw(everything, false, 1000, "", expected(everything, false), ctx);
    assertSameIds(ids(expected(everything, false)),
        ids(viaClient(everything, ListOptions.builder().batchSize(64).build())), () -> "seed=" + SEED + " " + ctx);
  }

  private void checkSpecialPrefixes(String ctx) {
    for (Key p : List.of(Key.of("p"), SHARED_PREFIX, K499, K500, K501, Key.of("o"), Key.of("q"))) {
      checkSelector(prefixSel(p), ctx);
    }
    // A range over exactly the segment boundary: [K500, K501).
    checkSelector(rangeSel(K499, K501), ctx);
  }

  /**
   * Seeks to bounds of exactly the boundary lengths (499..513, 1000, 1001, 1500, 1501, 2047, 2048
   * bytes, and the keys the 499/500/501-byte keys are prefixes of), stored or deleted, as the
   * inclusive start and the exclusive end of a selector, in both directions.
   */
  private void checkBoundaryBounds(String ctx) {
    List<Key> bounds = new ArrayList<>();
    for (int len : EXACT_LENGTHS) {
      bounds.add(Keys.pString("len" + len + "-", len));
    }
    for (Key k : List.of(K499, K500, K501)) {
      bounds.add(k);
      bounds.add(k.append(""));
      bounds.add(k.append(1L));
    }
    Key p = Key.of("p");
    for (Key b : bounds) {
      byte[] enc = Keys.encode(b);
      Key hi = stepFrom(enc, 12, false);
      Key lo = stepFrom(enc, 12, true);
      // Small ranges that start or end exactly at b, paged to the end both ways.
      for (Sel s : List.of(rangeSel(b, hi), rangeSel(lo, b))) {
        if (hitsTheEmptyCursorCase(s)) {
          continue;
        }
        pageRaw(s, false, 1 + rnd.nextInt(5), "", expected(s, false), ctx);
        pageRaw(s, true, 1 + rnd.nextInt(5), "", expected(s, true), ctx);
      }
      // The prefix selectors' first page from b: seekGE(b) forward, seekLT(b) in reverse.
      firstPage(prefixStartSel(p, b), false, 1 + rnd.nextInt(8), ctx);
      firstPage(prefixEndSel(p, b), true, 1 + rnd.nextInt(8), ctx);
    }
  }

  /**
   * Excluded here, covered by ListSelectorIT: a range whose stored start is a byte prefix of its
   * end is the whole common prefix, so the cursor after it would be "" (which means "nothing
   * remains") - a known conflict, reported separately.
   */
  private boolean hitsTheEmptyCursorCase(Sel s) {
    return s.proto().hasStart() && !s.proto().hasPrefix()
        && Arrays.equals(s.common(), s.lo()) && model.containsKey(s.lo());
  }

  /** The model key {@code steps} keys below (or above) {@code enc}, or the edge of ["p"]. */
  private Key stepFrom(byte[] enc, int steps, boolean down) {
    NavigableMap<byte[], Item> side = down ? model.headMap(enc, false).descendingMap() : model.tailMap(enc, false);
    Key last = null;
    int i = 0;
    for (Item it : side.values()) {
      if (!Keys.startsWith(it.encoded(), Keys.encode(Key.of("p")))) {
        break;
      }
      last = it.key();
      if (++i == steps) {
        return last;
      }
    }
    return down ? Key.of("p") : Key.of("p", "z");
  }

  /** Only the first page: its entries and whether its cursor says more remain. */
  private void firstPage(Sel s, boolean reverse, int limit, String ctx) {
    List<Item> want = expected(s, reverse);
    ListResponse r = server.stub().list(s.proto().toBuilder().setLimit(limit).setReverse(reverse).build());
    int n = Math.min(limit, want.size());
    Supplier<String> msg = () -> "seed=" + SEED + " " + ctx + " first page of " + s.desc() + " reverse=" + reverse
        + " limit=" + limit;
    assertSameIds(ids(want.subList(0, n)), entryIds(r.getEntriesList()), msg);
    assertEquals(n == want.size() ? "" : Keys.cursor(want.get(n - 1).encoded(), s.common()), r.getCursor(), msg);
    pagesChecked++;
    entriesChecked += n;
  }

  private Key randomBoundUnder(Key p) {
    List<Item> inside = under(p);
    if (!inside.isEmpty() && rnd.nextBoolean()) {
      return inside.get(rnd.nextInt(inside.size())).key();
    }
    int room = MAX_READ - Keys.encodedLength(p) - 2;
    if (room < 0) {
      return null;
    }
    if (p.isEmpty()) {
      return randomKey();
    }
    return p.append(randomString(rnd.nextInt(Math.min(room, 40) + 1)));
  }

  private Key randomPrefix() {
    List<Item> all = new ArrayList<>(model.values());
    Key some = all.get(rnd.nextInt(all.size())).key();
    return switch (rnd.nextInt(8)) {
      case 0 -> Key.of();
      case 1 -> Key.of("p");
      case 2 -> SHARED_PREFIX;
      case 3 -> List.of(K499, K500, K501).get(rnd.nextInt(3));
      case 4 -> rnd.nextBoolean() ? Key.of("o") : Key.of("q");
      case 5 -> some;
      default -> some.size() > 1 ? Key.ofParts(some.parts().subList(0, some.size() - 1)) : Key.of("p");
    };
  }

  private void randomSelectors(String ctx, int count) {
    List<Item> all = new ArrayList<>(model.values());
    int done = 0;
    while (done < count) {
      Sel s;
      int kind = rnd.nextInt(4);
      if (kind == 0) {
        s = prefixSel(randomPrefix());
      } else if (kind == 1 || kind == 2) {
        Key p = randomPrefix();
        Key bound = randomBoundUnder(p);
        if (bound == null) {
          continue;
        }
        s = kind == 1 ? prefixStartSel(p, bound) : prefixEndSel(p, bound);
      } else {
        Key a = rnd.nextBoolean() ? all.get(rnd.nextInt(all.size())).key() : randomKey();
        Key b = rnd.nextBoolean() ? all.get(rnd.nextInt(all.size())).key() : randomKey();
        if (a.compareTo(b) > 0) {
          Key t = a;
          a = b;
          b = t;
        }
        s = rangeSel(a, b);
        if (hitsTheEmptyCursorCase(s)) {
          continue;
        }
      }
      checkSelector(s, ctx);
      done++;
    }
  }
}
