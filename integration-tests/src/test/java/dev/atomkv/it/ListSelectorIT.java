package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.client.AtomicOperation;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvException;
import dev.atomkv.client.KvListIterator;
import dev.atomkv.client.KvValue;
import dev.atomkv.client.ListOptions;
import dev.atomkv.client.ListSelector;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.ListRequest;
import dev.atomkv.proto.v1.ListResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SPEC §3.2: List selectors, limits and cursors, through the real gRPC server. */
class ListSelectorIT {
  static final String START_NOT_IN_PREFIX = "Start key is not in the keyspace defined by prefix";
  static final String END_NOT_IN_PREFIX = "End key is not in the keyspace defined by prefix";
  static final String START_AFTER_END = "Start key is greater than end key";
  static final String NO_SELECTOR = "Selector must specify either 'prefix' or both 'start' and 'end' key";
  static final String PREFIX_START_AND_END =
      "Selector can not specify both 'start' and 'end' key when specifying 'prefix'";
  static final String READ_KEY_TOO_LARGE = "Key too large for read (max 2049 bytes)";

  static final Key A = Key.of("a");
  static final List<Key> UNDER_A = List.of(
      Key.of("a", "a"), Key.of("a", "b"), Key.of("a", "c"), Key.of("a", "d"), Key.of("a", "e"));
  /** Every key of {@link #seedExample()}, in key order. ["a\0"] is 02 61 00 FF 00: past P+FF. */
  static final List<Key> ALL = List.of(
      Key.of("B"), A, UNDER_A.get(0), UNDER_A.get(1), UNDER_A.get(2), UNDER_A.get(3), UNDER_A.get(4),
      Key.of("a\u0000"), Key.of("ab"), Key.of("b"));

  @TempDir Path dir;
  RunningServer server;

  @BeforeEach
  void start() throws Exception {
    server = RunningServer.start(dir);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  // ---------------------------------------------------------------- helpers

  private void seedExample() {
    List<Key> shuffled = new ArrayList<>(ALL);
    Collections.reverse(shuffled);
    AtomicOperation op = server.client().atomic();
    for (Key k : shuffled) {
      op.set(k, KvValue.of("v:" + k));
    }
    assertTrue(op.commit().ok());
  }

  private void seed(List<Key> keys) {
    for (int from = 0; from < keys.size(); from += 500) {
      AtomicOperation op = server.client().atomic();
      for (Key k : keys.subList(from, Math.min(keys.size(), from + 500))) {
        op.set(k, KvValue.of("v:" + k));
      }
      assertTrue(op.commit().ok());
    }
  }

  private static dev.atomkv.proto.v1.Key p(Key k) {
    return Keys.toProto(k);
  }

  private static ListRequest.Builder prefix(Key prefix) {
    return ListRequest.newBuilder().setPrefix(p(prefix));
  }

  private static ListRequest.Builder range(Key start, Key end) {
    return ListRequest.newBuilder().setStart(p(start)).setEnd(p(end));
  }

  private ListResponse list(ListRequest.Builder request) {
    return server.stub().list(request.build());
  }

  private static List<Key> keys(ListResponse r) {
    List<Key> out = new ArrayList<>();
    for (Entry e : r.getEntriesList()) {
      out.add(Keys.fromProto(e.getKey()));
    }
    return out;
  }

  private static List<Key> reversed(List<Key> keys) {
    List<Key> r = new ArrayList<>(keys);
    Collections.reverse(r);
    return r;
  }

  /** Follows cursors with the same request until the cursor is empty; every page non-empty. */
  private List<Key> drain(ListRequest.Builder request) {
    List<Key> out = new ArrayList<>();
    String cursor = request.getCursor();
    for (int pages = 0; ; pages++) {
      assertTrue(pages < 10_000, "too many pages");
      ListResponse r = list(request.clone().setCursor(cursor));
      assertTrue(r.getEntriesCount() > 0 || (pages == 0 && r.getCursor().isEmpty()),
          "an empty page with a cursor: " + r);
      out.addAll(keys(r));
      if (r.getCursor().isEmpty()) {
        return out;
      }
      cursor = r.getCursor();
    }
  }

  private void assertInvalid(ListRequest.Builder request, String message) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> list(request));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.toString());
    assertEquals(message, e.getStatus().getDescription());
  }

  private static List<Key> numbered(int from, int to, Object head) {
    List<Key> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(Key.of(head, (long) i));
    }
    return out;
  }

  // ---------------------------------------------------------------- selectors

  @Test
  void prefixListsTheKeysThatExtendItButNotThePrefixItself() {
    seedExample();
    ListResponse r = list(prefix(A));
    assertEquals(UNDER_A, keys(r));
    assertEquals("", r.getCursor());
    for (Entry e : r.getEntriesList()) {
      assertEquals("v:" + Keys.fromProto(e.getKey()), e.getValue().getString());
      assertEquals(10, e.getVersionstamp().size());
      assertEquals(0, e.getExpiresAtMs());
    }
    assertEquals(reversed(UNDER_A), keys(list(prefix(A).setReverse(true))));
    // A prefix nothing extends.
    ListResponse none = list(prefix(Key.of("a", "c")));
    assertEquals(0, none.getEntriesCount());
    assertEquals("", none.getCursor());
  }

  @Test
  void emptyPrefixListsEverything() {
    seedExample();
    ListResponse r = list(ListRequest.newBuilder().setPrefix(dev.atomkv.proto.v1.Key.getDefaultInstance()));
    assertEquals(ALL, keys(r));
    assertEquals("", r.getCursor());
    assertEquals(reversed(ALL), keys(list(prefix(Key.of()).setReverse(true))));

    List<Key> viaClient = new ArrayList<>();
    server.client().list(ListSelector.prefix(Key.of())).forEachRemaining(e -> viaClient.add(e.key()));
    assertEquals(ALL, viaClient);
  }

  @Test
  void prefixAndStart() {
    seedExample();
    assertEquals(UNDER_A.subList(2, 5), keys(list(prefix(A).setStart(p(Key.of("a", "c"))))));
    assertEquals(UNDER_A, keys(list(prefix(A).setStart(p(Key.of("a", "a"))))));
    // A start that is not stored: the range starts where it would be.
    assertEquals(UNDER_A.subList(3, 5), keys(list(prefix(A).setStart(p(Key.of("a", "c", ""))))));
    assertEquals(reversed(UNDER_A.subList(2, 5)),
        keys(list(prefix(A).setStart(p(Key.of("a", "c"))).setReverse(true))));
    // A start past every key of the prefix.
    ListResponse empty = list(prefix(A).setStart(p(Key.of("a", "f"))));
    assertEquals(0, empty.getEntriesCount());
    assertEquals("", empty.getCursor());
  }

  @Test
  void prefixAndEnd() {
    seedExample();
    assertEquals(UNDER_A.subList(0, 2), keys(list(prefix(A).setEnd(p(Key.of("a", "c"))))));
    assertEquals(reversed(UNDER_A.subList(0, 2)),
        keys(list(prefix(A).setEnd(p(Key.of("a", "c"))).setReverse(true))));
    assertEquals(UNDER_A, keys(list(prefix(A).setEnd(p(Key.of("a", "e", ""))))));
    ListResponse empty = list(prefix(A).setEnd(p(Key.of("a", "a"))));
    assertEquals(0, empty.getEntriesCount());
    assertEquals("", empty.getCursor());
  }

  @Test
  void startAndEnd() {
    seedExample();
    assertEquals(UNDER_A.subList(1, 3), keys(list(range(Key.of("a", "b"), Key.of("a", "d")))));
    assertEquals(reversed(UNDER_A.subList(1, 3)),
        keys(list(range(Key.of("a", "b"), Key.of("a", "d")).setReverse(true))));
    // Start inclusive, end exclusive, across prefixes.
    assertEquals(ALL.subList(1, 9), keys(list(range(A, Key.of("b")))));
    assertEquals(reversed(ALL.subList(0, 9)), keys(list(range(Key.of("B"), Key.of("b")).setReverse(true))));
  }

  @Test
  void startEqualToEndIsAnEmptyPage() {
    seedExample();
    for (boolean reverse : new boolean[] {false, true}) {
      ListResponse r = list(range(Key.of("a", "c"), Key.of("a", "c")).setReverse(reverse));
      assertEquals(0, r.getEntriesCount());
      assertEquals("", r.getCursor());
    }
  }

  // ---------------------------------------------------------------- selector errors

  @Test
  void startOutsideThePrefixIsRejected() {
    seedExample();
    assertInvalid(prefix(A).setStart(p(Key.of("b"))), START_NOT_IN_PREFIX);
    assertInvalid(prefix(A).setStart(p(Key.of("B"))), START_NOT_IN_PREFIX);
    assertInvalid(prefix(A).setStart(p(Key.of("b", "a"))), START_NOT_IN_PREFIX);
    // S = P
    assertInvalid(prefix(A).setStart(p(A)), START_NOT_IN_PREFIX);
  }

  @Test
  void endOutsideThePrefixIsRejected() {
    seedExample();
    assertInvalid(prefix(A).setEnd(p(Key.of("b"))), END_NOT_IN_PREFIX);
    assertInvalid(prefix(A).setEnd(p(Key.of("B"))), END_NOT_IN_PREFIX);
    // E = P
    assertInvalid(prefix(A).setEnd(p(A)), END_NOT_IN_PREFIX);
  }

  /**
   * ["a\0"] encodes as 02 61 00 FF 00: its bytes start with enc(["a"]) = 02 61 00, but it is not
   * in the keyspace of ["a"] ([P+00, P+FF)) and does not extend the tuple ["a"].
   */
  @Test
  void boundsWhoseBytesStartWithThePrefixButLieOutsideItsKeyspaceAreRejected() {
    seedExample();
    assertInvalid(prefix(A).setStart(p(Key.of("a\u0000"))), START_NOT_IN_PREFIX);
    assertInvalid(prefix(A).setEnd(p(Key.of("a\u0000"))), END_NOT_IN_PREFIX);
  }

  @Test
  void startGreaterThanEndIsRejected() {
    seedExample();
    assertInvalid(range(Key.of("b"), A), START_AFTER_END);
    assertInvalid(range(Key.of("a", "d"), Key.of("a", "c")).setReverse(true), START_AFTER_END);
    // An extension sorts after its prefix.
    assertInvalid(range(Key.of("a", "c", 1L), Key.of("a", "c")), START_AFTER_END);

    KvListIterator it = server.client().list(ListSelector.range(Key.of("b"), A));
    KvException e = assertThrows(KvException.class, it::hasNext);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
    assertEquals(START_AFTER_END, e.description());
  }

  @Test
  void incompleteSelectorsAreRejected() {
    assertInvalid(ListRequest.newBuilder(), NO_SELECTOR);
    assertInvalid(ListRequest.newBuilder().setStart(p(A)), NO_SELECTOR);
    assertInvalid(ListRequest.newBuilder().setEnd(p(A)), NO_SELECTOR);
    assertInvalid(ListRequest.newBuilder().setLimit(5).setReverse(true), NO_SELECTOR);
  }

  @Test
  void prefixWithBothStartAndEndIsRejected() {
    assertInvalid(prefix(A).setStart(p(Key.of("a", "a"))).setEnd(p(Key.of("a", "c"))), PREFIX_START_AND_END);
    assertInvalid(prefix(Key.of()).setStart(p(Key.of("a"))).setEnd(p(Key.of("b"))), PREFIX_START_AND_END);
  }

  // ---------------------------------------------------------------- limits

  @Test
  void limitZeroMeansOneHundredAndOverOneThousandIsRejected() {
    List<Key> keys = numbered(0, 1001, "n");
    seed(keys);

    ListResponse r = list(prefix(Key.of("n")));
    assertEquals(keys.subList(0, 100), keys(r));
    assertEquals(Keys.cursor(Keys.encode(keys.get(99)), Keys.encode(Key.of("n"))), r.getCursor());

    ListResponse thousand = list(prefix(Key.of("n")).setLimit(1000));
    assertEquals(keys.subList(0, 1000), keys(thousand));
    assertNotEquals("", thousand.getCursor());
    ListResponse rest = list(prefix(Key.of("n")).setLimit(1000).setCursor(thousand.getCursor()));
    assertEquals(keys.subList(1000, 1001), keys(rest));
    assertEquals("", rest.getCursor());

    assertInvalid(prefix(Key.of("n")).setLimit(1001), "Too many entries (max 1000)");
    assertInvalid(range(Key.of("n"), Key.of("o")).setLimit(5000), "Too many entries (max 1000)");
    StatusRuntimeException negative = assertThrows(StatusRuntimeException.class,
        () -> list(prefix(Key.of("n")).setLimit(-1)));
    assertEquals(Status.Code.INVALID_ARGUMENT, negative.getStatus().getCode());
  }

  // ---------------------------------------------------------------- cursors

  @Test
  void theSpecCursorExample() {
    seedExample();
    ListResponse forward = list(prefix(A).setLimit(2));
    assertEquals(List.of(Key.of("a", "a"), Key.of("a", "b")), keys(forward));
    assertEquals("AmIA", forward.getCursor());

    ListResponse backward = list(prefix(A).setLimit(2).setReverse(true));
    assertEquals(List.of(Key.of("a", "e"), Key.of("a", "d")), keys(backward));
    assertEquals("AmQA", backward.getCursor());
  }

  @Test
  void resumingWithCursorsGivesExactlyTheRest() {
    seedExample();
    ListResponse f2 = list(prefix(A).setLimit(2).setCursor("AmIA"));
    assertEquals(UNDER_A.subList(2, 4), keys(f2));
    assertEquals("AmQA", f2.getCursor());
    ListResponse f3 = list(prefix(A).setLimit(2).setCursor(f2.getCursor()));
    assertEquals(UNDER_A.subList(4, 5), keys(f3));
    assertEquals("", f3.getCursor());

    ListResponse r2 = list(prefix(A).setLimit(2).setReverse(true).setCursor("AmQA"));
    assertEquals(List.of(Key.of("a", "c"), Key.of("a", "b")), keys(r2));
    assertEquals("AmIA", r2.getCursor());
    ListResponse r3 = list(prefix(A).setLimit(2).setReverse(true).setCursor(r2.getCursor()));
    assertEquals(List.of(Key.of("a", "a")), keys(r3));
    assertEquals("", r3.getCursor());

    // Every page size, both directions.
    for (int limit = 1; limit <= 6; limit++) {
      assertEquals(UNDER_A, drain(prefix(A).setLimit(limit)), "limit " + limit);
      assertEquals(reversed(UNDER_A), drain(prefix(A).setLimit(limit).setReverse(true)), "limit " + limit);
      assertEquals(ALL, drain(prefix(Key.of()).setLimit(limit)), "limit " + limit);
      assertEquals(reversed(ALL), drain(prefix(Key.of()).setLimit(limit).setReverse(true)), "limit " + limit);
    }
  }

  @Test
  void theCursorIsEmptyExactlyWhenNothingRemains() {
    seedExample();
    ListResponse all = list(prefix(A).setLimit(5));
    assertEquals(UNDER_A, keys(all));
    assertEquals("", all.getCursor());
    ListResponse allButOne = list(prefix(A).setLimit(4));
    assertEquals(UNDER_A.subList(0, 4), keys(allButOne));
    assertEquals("AmQA", allButOne.getCursor());

    ListResponse allReversed = list(prefix(A).setLimit(5).setReverse(true));
    assertEquals(reversed(UNDER_A), keys(allReversed));
    assertEquals("", allReversed.getCursor());
    ListResponse allButOneReversed = list(prefix(A).setLimit(4).setReverse(true));
    assertEquals(reversed(UNDER_A).subList(0, 4), keys(allButOneReversed));
    assertEquals("AmIA", allButOneReversed.getCursor());

    // Remaining count reached exactly by a resumed page.
    ListResponse tail = list(prefix(A).setLimit(3).setCursor("AmIA"));
    assertEquals(UNDER_A.subList(2, 5), keys(tail));
    assertEquals("", tail.getCursor());
  }

  @Test
  void anUndecodableCursorIsRejected() {
    seedExample();
    assertInvalid(prefix(A).setCursor("not base64!"), "invalid cursor");
    assertInvalid(prefix(A).setCursor("%%%%"), "invalid cursor");
    assertInvalid(prefix(A).setCursor("A"), "invalid cursor");
    assertInvalid(range(A, Key.of("b")).setCursor("*"), "invalid cursor");
  }

  @Test
  void aCursorOutsideTheSelectorIsRejected() {
    seedExample();
    // C + FF + 00 lies past P + FF.
    assertInvalid(prefix(A).setCursor("_w=="), "cursor out of bounds");
    // ["a","a"] lies before the start ["a","c"], either direction.
    assertInvalid(prefix(A).setStart(p(Key.of("a", "c"))).setCursor("AmEA"), "cursor out of bounds");
    assertInvalid(prefix(A).setStart(p(Key.of("a", "c"))).setCursor("AmEA").setReverse(true),
        "cursor out of bounds");
    // ["a","e"] lies at or past the end ["a","c"].
    assertInvalid(prefix(A).setEnd(p(Key.of("a", "c"))).setCursor("AmUA"), "cursor out of bounds");
    // Range ["a","b"] .. ["a","d"]: common prefix 02 61 00 02; "ZQA=" = 65 00 -> ["a","e"].
    assertInvalid(range(Key.of("a", "b"), Key.of("a", "d")).setCursor("ZQA="), "cursor out of bounds");
    assertInvalid(range(Key.of("a", "b"), Key.of("a", "d")).setCursor("ZQA=").setReverse(true),
        "cursor out of bounds");
    // "YQA=" = 61 00 -> ["a","a"], before the start.
    assertInvalid(range(Key.of("a", "b"), Key.of("a", "d")).setCursor("YQA="), "cursor out of bounds");
  }

  @Test
  void rangeCursorsAreRelativeToTheLongestCommonPrefixOfStartAndEnd() {
    seedExample();
    // enc(["a","b"]) = 02 61 00 02 62 00, enc(["a","d"]) = 02 61 00 02 64 00: common 02 61 00 02.
    ListRequest.Builder bd = range(Key.of("a", "b"), Key.of("a", "d")).setLimit(1);
    ListResponse f1 = list(bd);
    assertEquals(List.of(Key.of("a", "b")), keys(f1));
    assertEquals("YgA=", f1.getCursor());
    ListResponse f2 = list(bd.clone().setCursor(f1.getCursor()));
    assertEquals(List.of(Key.of("a", "c")), keys(f2));
    assertEquals("", f2.getCursor());

    ListResponse r1 = list(bd.clone().setReverse(true));
    assertEquals(List.of(Key.of("a", "c")), keys(r1));
    assertEquals("YwA=", r1.getCursor());
    ListResponse r2 = list(bd.clone().setReverse(true).setCursor(r1.getCursor()));
    assertEquals(List.of(Key.of("a", "b")), keys(r2));
    assertEquals("", r2.getCursor());

    // ["B"] .. ["b"]: common prefix is the single byte 02.
    ListResponse wide = list(range(Key.of("B"), Key.of("b")).setLimit(3));
    assertEquals(ALL.subList(0, 3), keys(wide));
    assertEquals("YQACYQA=", wide.getCursor()); // 61 00 02 61 00 = ["a","a"] minus 02
    assertEquals(ALL.subList(3, 9), drain(range(Key.of("B"), Key.of("b")).setLimit(2).setCursor(wide.getCursor())));

    // Different first bytes: no common prefix, the cursor is the whole key.
    ListResponse whole = list(range(Key.of("B"), Key.of(1L)).setLimit(1));
    assertEquals(Keys.cursor(Keys.encode(Key.of("B")), new byte[0]), whole.getCursor());
    assertEquals("AkIA", whole.getCursor());
  }

  /**
   * A range whose start is itself the common prefix of start and end (start ["a"], end ["a","c"]):
   * the first key, ["a"], minus the common prefix is empty, so Deno's cursor format yields "" -
   * which also means "nothing remains". Paging must still return every entry once.
   */
  @Test
  void pagingARangeWhoseStartIsTheCommonPrefixReturnsEveryEntry() {
    seedExample();
    List<Key> expected = List.of(A, Key.of("a", "a"), Key.of("a", "b"));
    assertEquals(expected, keys(list(range(A, Key.of("a", "c")))));

    ListResponse first = list(range(A, Key.of("a", "c")).setLimit(1));
    assertEquals(List.of(A), keys(first));
    assertNotEquals("", first.getCursor(), "entries remain after ['a'] but the cursor is empty");

    List<Key> viaClient = new ArrayList<>();
    server.client().list(ListSelector.range(A, Key.of("a", "c")), ListOptions.builder().batchSize(1).build())
        .forEachRemaining(e -> viaClient.add(e.key()));
    assertEquals(expected, viaClient);
  }

  @Test
  void boundsLongerThan2049BytesAreRejected() {
    // prefix of 2049 bytes: P+00 has 2050.
    Key p2049 = Keys.pString("", 2049);
    assertInvalid(prefix(p2049), READ_KEY_TOO_LARGE);
    assertInvalid(prefix(p2049).setReverse(true), READ_KEY_TOO_LARGE);
    // prefix of 2048 bytes: P+00 and P+FF have 2049: fine (nothing can extend it).
    Key p2048 = Keys.pString("", 2048);
    assertTrue(server.client().set(p2048, KvValue.of("x")).ok());
    ListResponse r = list(prefix(p2048));
    assertEquals(0, r.getEntriesCount());
    assertEquals("", r.getCursor());
    // The key itself is listed by its parent prefix.
    assertEquals(List.of(p2048), keys(list(prefix(Key.of("p")))));

    // A range bound of 2050 bytes.
    Key k2050 = Keys.pString("", 2050);
    assertInvalid(range(Key.of("p"), k2050), READ_KEY_TOO_LARGE);
    assertInvalid(range(k2050, Key.of("q")), READ_KEY_TOO_LARGE);
    // 2049-byte bounds are fine.
    assertEquals(List.of(p2048), keys(list(range(Key.of("p"), p2049))));
    assertEquals(0, list(range(p2049, Key.of("q"))).getEntriesCount());

    // A bound derived from a cursor: P (2045 bytes) + cursor (12 bytes) + 00.
    Key p2045 = Keys.pString("", 2045);
    byte[] rel = new byte[12];
    Arrays.fill(rel, (byte) 'A');
    rel[0] = 0x02;
    rel[11] = 0x00;
    String cursor = java.util.Base64.getUrlEncoder().encodeToString(rel);
    assertInvalid(prefix(p2045).setCursor(cursor), READ_KEY_TOO_LARGE);
  }

  // ---------------------------------------------------------------- byte cap

  @Test
  void aPageStopsEarlyAtTheResponseByteCapAndCursorsContinueIt() throws Exception {
    server.close();
    server = RunningServer.start(dir, "--max-response-bytes=20000");
    byte[] value = new byte[3000];
    Arrays.fill(value, (byte) 7);
    List<Key> keys = numbered(0, 30, "big");
    for (int from = 0; from < keys.size(); from += 10) {
      AtomicOperation op = server.client().atomic();
      for (Key k : keys.subList(from, from + 10)) {
        op.set(k, KvValue.of(value));
      }
      assertTrue(op.commit().ok());
    }

    for (boolean reverse : new boolean[] {false, true}) {
      List<Key> expected = reverse ? reversed(keys) : keys;
      ListRequest.Builder req = prefix(Key.of("big")).setLimit(100).setReverse(reverse);
      ListResponse first = list(req);
      assertTrue(first.getEntriesCount() >= 1 && first.getEntriesCount() < 30,
          "page of " + first.getEntriesCount() + " entries");
      assertTrue(first.getSerializedSize() <= 20000, "response of " + first.getSerializedSize() + " bytes");
      assertNotEquals("", first.getCursor());
      assertEquals(expected.subList(0, first.getEntriesCount()), keys(first));

      List<Key> seen = new ArrayList<>();
      String cursor = "";
      int pages = 0;
      do {
        ListResponse page = list(req.clone().setCursor(cursor));
        assertTrue(page.getEntriesCount() >= 1, "empty page");
        assertTrue(page.getSerializedSize() <= 20000);
        for (Entry e : page.getEntriesList()) {
          assertEquals(3000, e.getValue().getBytes().size());
        }
        seen.addAll(keys(page));
        cursor = page.getCursor();
        pages++;
      } while (!cursor.isEmpty());
      assertEquals(expected, seen, "reverse=" + reverse);
      assertEquals(30, new HashSet<>(seen).size());
      assertTrue(pages >= 3, "pages: " + pages);

      List<Key> viaClient = new ArrayList<>();
      server.client().list(ListSelector.prefix(Key.of("big")),
              ListOptions.builder().batchSize(100).reverse(reverse).build())
          .forEachRemaining(e -> viaClient.add(e.key()));
      assertEquals(expected, viaClient);
    }
  }

  // ---------------------------------------------------------------- expiry

  @Test
  void expiredKeysAreNotListed() throws Exception {
    Key e1 = Key.of("e", 1L);
    Key e2 = Key.of("e", 2L);
    Key e3 = Key.of("e", 3L);
    Key e4 = Key.of("e", 4L);
    Key e5 = Key.of("e", 5L);
    long before = System.currentTimeMillis();
    assertTrue(server.client().atomic()
        .set(e1, KvValue.of("1"))
        .set(e2, KvValue.of("2"), Duration.ofMillis(300))
        .set(e3, KvValue.of("3"))
        .set(e4, KvValue.of("4"), Duration.ofMillis(300))
        .set(e5, KvValue.of("5"), Duration.ofSeconds(60))
        .commit().ok());
    long after = System.currentTimeMillis();

    ListResponse all = list(prefix(Key.of("e")));
    List<Key> listed = keys(all);
    // e2 and e4 may be listed here only if they have not expired yet.
    if (System.currentTimeMillis() < before + 300) {
      assertEquals(List.of(e1, e2, e3, e4, e5), listed);
    }
    Entry five = all.getEntries(all.getEntriesCount() - 1);
    assertEquals(e5, Keys.fromProto(five.getKey()));
    assertTrue(five.getExpiresAtMs() >= before + 60_000 && five.getExpiresAtMs() <= after + 60_000,
        "expires_at_ms " + five.getExpiresAtMs());

    Thread.sleep(Math.max(0, after + 300 + 100 - System.currentTimeMillis()));

    assertEquals(List.of(e1, e3, e5), keys(list(prefix(Key.of("e")))));
    assertEquals(List.of(e5, e3, e1), keys(list(prefix(Key.of("e")).setReverse(true))));
    // The look-ahead skips expired keys: after e3 only e5 remains, after e5 nothing.
    ListResponse two = list(prefix(Key.of("e")).setLimit(2));
    assertEquals(List.of(e1, e3), keys(two));
    assertNotEquals("", two.getCursor());
    ListResponse rest = list(prefix(Key.of("e")).setLimit(2).setCursor(two.getCursor()));
    assertEquals(List.of(e5), keys(rest));
    assertEquals("", rest.getCursor());
    ListResponse backwards = list(range(e2, e5).setReverse(true).setLimit(1));
    assertEquals(List.of(e3), keys(backwards));
    assertEquals("", backwards.getCursor(), "only expired e2 lies below e3");

    List<Key> viaClient = new ArrayList<>();
    server.client().list(ListSelector.prefix(Key.of("e"))).forEachRemaining(e -> viaClient.add(e.key()));
    assertEquals(List.of(e1, e3, e5), viaClient);
  }

  // ---------------------------------------------------------------- client iterator

  @Test
  void clientIteratorHonoursTotalLimitBatchSizeAndDirection() {
    List<Key> keys = numbered(0, 25, "it");
    seed(keys);
    ListSelector sel = ListSelector.prefix(Key.of("it"));

    assertEquals(keys.subList(0, 17),
        collect(server.client().list(sel, ListOptions.builder().limit(17).batchSize(5).build())));
    assertEquals(reversed(keys).subList(0, 17),
        collect(server.client().list(sel, ListOptions.builder().limit(17).batchSize(5).reverse(true).build())));
    assertEquals(keys,
        collect(server.client().list(sel, ListOptions.builder().limit(100).batchSize(10).build())));
    assertEquals(keys, collect(server.client().list(sel, ListOptions.builder().batchSize(1).build())));
    assertEquals(keys, collect(server.client().list(sel, ListOptions.builder().batchSize(25).build())));
    assertEquals(keys.subList(0, 3),
        server.client().stream(sel, ListOptions.builder().limit(3).batchSize(1000).build())
            .map(KvEntry::key).toList());
    assertEquals(keys.subList(5, 15), collect(server.client().list(
        ListSelector.range(Key.of("it", 5L), Key.of("it", 15L)), ListOptions.builder().batchSize(4).build())));
  }

  @Test
  void clientIteratorResumesFromItsCursorMidPage() {
    List<Key> keys = numbered(0, 25, "it");
    seed(keys);
    ListSelector sel = ListSelector.prefix(Key.of("it"));
    byte[] common = Keys.encode(Key.of("it"));

    for (boolean reverse : new boolean[] {false, true}) {
      List<Key> expected = reverse ? reversed(keys) : keys;
      KvListIterator it = server.client().list(sel, ListOptions.builder().batchSize(5).reverse(reverse).build());
      assertEquals("", it.cursor());
      List<Key> firstPart = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        firstPart.add(it.next().key());
      }
      assertEquals(expected.subList(0, 7), firstPart);
      String cursor = it.cursor();
      assertEquals(Keys.cursor(Keys.encode(expected.get(6)), common), cursor);

      List<Key> rest = collect(server.client().list(sel,
          ListOptions.builder().batchSize(5).reverse(reverse).cursor(cursor).build()));
      assertEquals(expected.subList(7, 25), rest, "reverse=" + reverse);
      // The raw server accepts the iterator's cursor too.
      assertEquals(expected.subList(7, 25),
          drain(prefix(Key.of("it")).setReverse(reverse).setLimit(4).setCursor(cursor)));
    }
  }

  @Test
  void clientIteratorCursorAtAPageBoundaryIsTheServersCursor() {
    List<Key> keys = numbered(0, 25, "it");
    seed(keys);
    for (boolean reverse : new boolean[] {false, true}) {
      ListResponse page = list(prefix(Key.of("it")).setLimit(5).setReverse(reverse));
      KvListIterator it = server.client().list(ListSelector.prefix(Key.of("it")),
          ListOptions.builder().batchSize(5).reverse(reverse).build());
      for (int i = 0; i < 5; i++) {
        assertEquals(Keys.fromProto(page.getEntries(i).getKey()), it.next().key());
      }
      assertNotEquals("", page.getCursor());
      assertEquals(page.getCursor(), it.cursor());
    }
  }

  @Test
  void clientIteratorOnAnEmptyRangeHasNothing() {
    seedExample();
    KvListIterator it = server.client().list(ListSelector.prefix(Key.of("nothing")));
    assertFalse(it.hasNext());
    assertFalse(server.client().list(ListSelector.range(Key.of("a", "c"), Key.of("a", "c"))).hasNext());
  }

  private static List<Key> collect(KvListIterator it) {
    List<Key> out = new ArrayList<>();
    Set<Key> unique = new HashSet<>();
    while (it.hasNext()) {
      Key k = it.next().key();
      assertTrue(unique.add(k), "returned twice: " + k);
      out.add(k);
    }
    return out;
  }
}
