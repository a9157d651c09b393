package dev.atomkv.client;

import static dev.atomkv.client.TestEntries.page;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.proto.v1.ListRequest;
import dev.atomkv.proto.v1.ListResponse;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Uses SPEC §3.2's example: keys ["a"], ["a","a"] … ["a","e"]. */
class KvListIteratorTest {
  private static final Key A = Key.of("a");
  private static final Key AA = Key.of("a", "a");
  private static final Key AB = Key.of("a", "b");
  private static final Key AC = Key.of("a", "c");
  private static final Key AD = Key.of("a", "d");
  private static final Key AE = Key.of("a", "e");

  @RegisterExtension
  final FakeKvServer server = new FakeKvServer();

  @Test
  void fetchesPagesLazilyWithTheServersCursor() {
    server.service().list
        .reply(page("AmIA", AA, AB))
        .reply(page("AmQA", AC, AD))
        .reply(page("", AE));

    KvListIterator it = server.client().list(ListSelector.prefix(A), ListOptions.builder().batchSize(2).build());
    assertEquals(List.of(), server.service().list.requests(), "nothing is fetched before it is needed");

    assertEquals(List.of(AA, AB, AC, AD, AE), keys(it));
    List<ListRequest> requests = server.service().list.requests();
    assertEquals(List.of("", "AmIA", "AmQA"), requests.stream().map(ListRequest::getCursor).toList());
    for (ListRequest request : requests) {
      assertEquals(2, request.getLimit());
      assertFalse(request.getReverse());
      assertEquals(ProtoMapping.toProto(A), request.getPrefix());
      assertFalse(request.hasStart());
      assertFalse(request.hasEnd());
      assertEquals(dev.atomkv.proto.v1.Consistency.CONSISTENCY_STRONG, request.getConsistency());
    }
    assertFalse(it.hasNext());
    assertThrows(NoSuchElementException.class, it::next);
    assertEquals(3, server.service().list.requests().size(), "an exhausted iterator asks no more");
  }

  @Test
  void cursorResumesAfterTheLastReturnedEntryEvenMidPage() {
    server.service().list.reply(page("AmMA", AA, AB, AC));

    KvListIterator it = server.client().list(ListSelector.prefix(A));
    assertEquals("", it.cursor());
    assertEquals(AA, it.next().key());
    assertEquals("AmEA", it.cursor()); // base64url(02 61 00): ["a"] stripped of the prefix ["a"]
    assertEquals(AB, it.next().key());
    assertEquals("AmIA", it.cursor()); // the spec's example cursor
    assertEquals(1, server.service().list.requests().size());
  }

  @Test
  void resumingSendsTheCursor() {
    server.service().list.reply(page("", AB, AC));

    KvListIterator it = server.client().list(ListSelector.prefix(A), ListOptions.builder().cursor("AmEA").build());

    assertEquals("AmEA", it.cursor(), "before any entry, the cursor is where the scan started");
    assertEquals(List.of(AB, AC), keys(it));
    assertEquals("AmEA", server.service().list.onlyRequest().getCursor());
  }

  @Test
  void reverseListsDescendingAndItsCursorMarksTheLowestSoFar() {
    server.service().list.reply(page("AmQA", AE, AD)).reply(page("", AC, AB, AA));

    KvListIterator it = server.client().list(ListSelector.prefix(A),
        ListOptions.builder().reverse(true).batchSize(2).build());

    assertEquals(AE, it.next().key());
    assertEquals(AD, it.next().key());
    assertEquals("AmQA", it.cursor()); // the spec's reversed example
    assertEquals(List.of(AC, AB, AA), keys(it));
    assertTrue(server.service().list.requests().stream().allMatch(ListRequest::getReverse));
  }

  @Test
  void totalLimitShrinksTheLastPageAndStopsThere() {
    server.service().list.reply(page("AmIA", AA, AB)).reply(page("AmMA", AC));

    List<Key> got = keys(server.client().list(ListSelector.prefix(A),
        ListOptions.builder().limit(3).batchSize(2).build()));

    assertEquals(List.of(AA, AB, AC), got);
    assertEquals(List.of(2, 1), server.service().list.requests().stream().map(ListRequest::getLimit).toList());
  }

  @Test
  void limitBelowTheBatchSizeIsThePageSize() {
    server.service().list.reply(page("AmEA", AA));

    assertEquals(List.of(AA), keys(server.client().list(ListSelector.prefix(A), ListOptions.builder().limit(1).build())));
    assertEquals(1, server.service().list.onlyRequest().getLimit());
  }

  @Test
  void defaultBatchIsOneHundred() {
    server.service().list.reply(page(""));

    assertFalse(server.client().list(ListSelector.prefix(Key.of())).hasNext());
    ListRequest request = server.service().list.onlyRequest();
    assertEquals(100, request.getLimit());
    assertTrue(request.hasPrefix());
    assertEquals(0, request.getPrefix().getPartsCount());
  }

  @Test
  void rangeCursorIsRelativeToTheLongestCommonPrefix() {
    // enc(["a","b"]) = 0261000262 00 and enc(["a","d"]) = 0261000264 00 share 02610002.
    server.service().list.reply(page("", AB, AC));

    KvListIterator it = server.client().list(ListSelector.range(AB, AD));
    it.next();
    assertEquals("YgA=", it.cursor()); // base64url with padding of 62 00
    it.next();
    assertEquals("YwA=", it.cursor());
    ListRequest request = server.service().list.onlyRequest();
    assertFalse(request.hasPrefix());
    assertEquals(ProtoMapping.toProto(AB), request.getStart());
    assertEquals(ProtoMapping.toProto(AD), request.getEnd());
  }

  @Test
  void prefixWithStartOrEndKeepsThePrefixAsCommonPrefix() {
    server.service().list.reply(page("", AC, AD)).reply(page("", AA));

    KvListIterator from = server.client().list(ListSelector.prefixStart(A, AC));
    from.next();
    assertEquals("AmMA", from.cursor());
    KvListIterator until = server.client().list(ListSelector.prefixEnd(A, AB));
    until.next();
    assertEquals("AmEA", until.cursor());

    List<ListRequest> requests = server.service().list.requests();
    assertEquals(ProtoMapping.toProto(AC), requests.get(0).getStart());
    assertFalse(requests.get(0).hasEnd());
    assertEquals(ProtoMapping.toProto(AB), requests.get(1).getEnd());
    assertFalse(requests.get(1).hasStart());
    assertEquals(ProtoMapping.toProto(A), requests.get(1).getPrefix());
  }

  @Test
  void streamIsLazyToo() {
    server.service().list.reply(page("AmIA", AA, AB)).reply(page("", AC));

    List<Key> first = server.client()
        .stream(ListSelector.prefix(A), ListOptions.builder().batchSize(2).consistency(Consistency.EVENTUAL).build())
        .limit(2)
        .map(KvEntry::key)
        .toList();

    assertEquals(List.of(AA, AB), first);
    ListRequest request = server.service().list.onlyRequest();
    assertEquals(dev.atomkv.proto.v1.Consistency.CONSISTENCY_EVENTUAL, request.getConsistency());
  }

  @Test
  void aPageIsRetriedOnUnavailableWithTheSameCursor() {
    server.service().list
        .reply(page("AmIA", AA, AB))
        .fail(Status.Code.UNAVAILABLE, "leader moved")
        .reply(page("", AC));

    assertEquals(List.of(AA, AB, AC), keys(server.client().list(ListSelector.prefix(A),
        ListOptions.builder().batchSize(2).build())));
    assertEquals(List.of("", "AmIA", "AmIA"),
        server.service().list.requests().stream().map(ListRequest::getCursor).toList());
  }

  @Test
  void aPageThatFailsSurfacesAsKvException() {
    server.service().list.fail(Status.Code.INVALID_ARGUMENT, "invalid cursor");

    KvListIterator it = server.client().list(ListSelector.prefix(A), ListOptions.builder().cursor("!!").build());

    KvException e = assertThrows(KvException.class, it::hasNext);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
    assertEquals("invalid cursor", e.description());
  }

  @Test
  void entriesCarryValuesAndVersionstamps() {
    server.service().list.reply(page("", AA));

    KvEntry entry = server.client().list(ListSelector.prefix(A)).next();

    assertTrue(entry.exists());
    assertEquals(KvValue.of(AA.toString()), entry.value());
    assertEquals(TestEntries.VS1, entry.versionstamp());
  }

  @Test
  void optionsRejectNonsense() {
    assertThrows(IllegalArgumentException.class, () -> ListOptions.builder().batchSize(0));
    assertThrows(IllegalArgumentException.class, () -> ListOptions.builder().batchSize(1001));
    assertThrows(IllegalArgumentException.class, () -> ListOptions.builder().limit(-1));
  }

  @Test
  void anEmptyPageThatDoesNotAdvanceIsAnError() {
    server.service().list.reply(ListResponse.newBuilder().setCursor("AmEA").build());

    KvListIterator it = server.client().list(ListSelector.prefix(A), ListOptions.builder().cursor("AmEA").build());

    assertThrows(IllegalStateException.class, it::hasNext);
  }

  private static List<Key> keys(KvListIterator it) {
    List<Key> keys = new ArrayList<>();
    it.forEachRemaining(e -> keys.add(e.key()));
    return keys;
  }
}
