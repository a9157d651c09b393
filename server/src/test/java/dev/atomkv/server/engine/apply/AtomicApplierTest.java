package dev.atomkv.server.engine.apply;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.engine.KeyChange;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.Check;
import dev.atomkv.server.model.Condition;
import dev.atomkv.server.model.Enqueue;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.Filter;
import dev.atomkv.server.model.JsonValue;
import dev.atomkv.server.model.Key;
import dev.atomkv.server.model.KeyCodec;
import dev.atomkv.server.model.KeyPart;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.MutationKind;
import dev.atomkv.server.model.Operator;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.ValueKind;
import dev.atomkv.server.model.Versionstamp;
import dev.atomkv.server.model.Where;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One test per rule of {@link AtomicApplier}, against a map instead of a store. */
class AtomicApplierTest {
  private static final long NOW = 1_000_000;
  private static final Versionstamp OLD = new Versionstamp(10, 0);
  private static final Versionstamp VS = new Versionstamp(20, 3);
  /** Test documents: the payload is a number's text, seen as {"n": number}. */
  private static final Where N_IS_1 = new Where(
      new Filter(false, List.of(Condition.of("n", Operator.EQUAL_TO,
          List.of(new JsonValue.Num(1)), "where"))),
      payload -> new JsonValue.Obj(Map.of("n",
          new JsonValue.Num(Double.parseDouble(new String(payload, StandardCharsets.UTF_8))))));

  private final MapWriteView view = new MapWriteView();

  @Test
  void aSetStoresTheValueWithTheCommitVersionstampAndExpiry() {
    Applied applied = apply(write(List.of(), new Mutation(key("a"), MutationKind.SET,
        Value.string("A"), NOW + 5, false, null)));
    assertTrue(applied.result().ok());
    assertEquals(VS, applied.result().versionstamp());
    assertEquals(Value.string("A"), view.get(key("a")).value());
    assertEquals(VS, view.get(key("a")).versionstamp());
    assertEquals(NOW + 5, view.get(key("a")).expiresAtMs());
    assertChanges(applied, change(key("a"), false));
  }

  @Test
  void aVersionstampSuffixAppendsTheCommitVersionstampToTheKey() {
    Applied applied = apply(write(List.of(), new Mutation(key("log"), MutationKind.SET,
        Value.string("x"), 0, true, null)));
    byte[] stamped = KeyCodec.appendString(key("log"), VS.toString());
    assertEquals(Value.string("x"), view.get(stamped).value());
    assertChanges(applied, change(stamped, false));
  }

  @Test
  void aDeleteOfAnExistingKeyIsAChangeAndOfAMissingKeyIsNot() {
    put("a", Value.string("A"), 0);
    Applied applied = apply(write(List.of(), Mutation.delete(key("a")),
        Mutation.delete(key("missing"))));
    assertTrue(applied.result().ok());
    assertNull(view.get(key("a")));
    assertChanges(applied, change(key("a"), true));
  }

  @Test
  void aVersionstampCheckHoldsOnlyForTheStoredVersionstamp() {
    put("a", Value.string("A"), 0);
    assertTrue(apply(write(List.of(Check.versionstamp(key("a"), OLD)),
        Mutation.set(key("b"), Value.string("B")))).result().ok());
    Applied stale = apply(write(List.of(Check.versionstamp(key("a"), new Versionstamp(9, 0))),
        Mutation.set(key("c"), Value.string("C"))));
    assertFalse(stale.result().ok());
    assertNull(view.get(key("c")));
  }

  @Test
  void anAbsenceCheckSeesAnExpiredKeyAsAbsent() {
    put("gone", Value.string("x"), NOW);
    put("here", Value.string("x"), NOW + 1);
    assertTrue(apply(write(List.of(Check.absent(key("gone"))))).result().ok());
    assertFalse(apply(write(List.of(Check.absent(key("here"))))).result().ok());
  }

  @Test
  void aRefusedRequestReportsEveryFailedCheckAndConditionAndWritesNothing() {
    put("a", Value.string("A"), 0);
    put("doc", new Value(ValueKind.JSON, "2".getBytes(StandardCharsets.UTF_8)), 0);
    int writesBefore = view.writes;
    Applied refused = apply(new AtomicWrite(
        List.of(Check.absent(key("a")), Check.absent(key("free")), Check.absent(key("a"))),
        List.of(Mutation.set(key("b"), Value.string("B")),
            new Mutation(key("doc"), MutationKind.SET, Value.string("x"), 0, false, N_IS_1))));
    assertFalse(refused.result().ok());
    assertEquals(List.of(0, 2), refused.result().failedChecks());
    assertEquals(List.of(1), refused.result().failedConditions());
    assertEquals(writesBefore, view.writes);
    assertTrue(refused.changes().isEmpty());
  }

  @Test
  void aConditionSeesAMissingValueAsAnEmptyDocument() {
    Where exists = new Where(new Filter(false, List.of(Condition.of("n", Operator.NOT_EXISTS,
        List.of(), "where"))), payload -> JsonValue.EMPTY_OBJECT);
    assertTrue(apply(write(List.of(), new Mutation(key("new"), MutationKind.SET,
        Value.string("x"), 0, false, exists))).result().ok());
  }

  @Test
  void checksSeeTheStateBeforeTheRequestNotItsOwnWrites() {
    Applied applied = apply(new AtomicWrite(List.of(Check.absent(key("a"))),
        List.of(Mutation.set(key("a"), Value.string("A")))));
    assertTrue(applied.result().ok());
  }

  @Test
  void sumOfAMissingKeyIsTheOperandAndWrapsModulo2To64() {
    apply(write(List.of(), Mutation.arithmetic(key("n"), MutationKind.SUM, 5)));
    assertEquals(5, view.get(key("n")).value().asU64());
    apply(write(List.of(), Mutation.arithmetic(key("n"), MutationKind.SUM, -1L)));
    assertEquals(4, view.get(key("n")).value().asU64(), "5 + (2^64 - 1) wraps to 4");
  }

  @Test
  void minAndMaxCompareUnsigned() {
    put("n", Value.u64(10), 0);
    apply(write(List.of(), Mutation.arithmetic(key("n"), MutationKind.MIN, -1L)));
    assertEquals(10, view.get(key("n")).value().asU64(), "2^64-1 is not below 10");
    apply(write(List.of(), Mutation.arithmetic(key("n"), MutationKind.MAX, -1L)));
    assertEquals(-1L, view.get(key("n")).value().asU64());
    Applied min = apply(write(List.of(), Mutation.arithmetic(key("n"), MutationKind.MIN, 3)));
    assertEquals(3, view.get(key("n")).value().asU64());
    assertChanges(min, change(key("n"), false));
  }

  @Test
  void arithmeticOnANonU64ValueFailsThePrecondition() {
    put("s", Value.string("text"), 0);
    KvException e = assertThrows(KvException.class,
        () -> apply(write(List.of(), Mutation.arithmetic(key("s"), MutationKind.MAX, 1))));
    assertEquals(ErrorKind.FAILED_PRECONDITION, e.kind());
    assertEquals("Failed to perform 'max' mutation on a non-U64 value in the database",
        e.getMessage());
  }

  @Test
  void arithmeticDropsTheExpiryOfTheStoredValue() {
    put("n", Value.u64(1), NOW + 100);
    apply(write(List.of(), Mutation.arithmetic(key("n"), MutationKind.SUM, 1)));
    assertEquals(0, view.get(key("n")).expiresAtMs());
  }

  @Test
  void aMergeRunsOnTheLiveValueAndIsAChangeLikeAnyWrite() {
    put("n", Value.string("1"), 0);
    put("expired", Value.string("9"), NOW - 1);
    Applied applied = apply(write(List.of(),
        Mutation.merge(key("n"), Value.string("2"), current -> Value.string(
            text(current) + "+2")),
        Mutation.merge(key("expired"), Value.string("1"), current -> Value.string(
            current == null ? "fresh" : "stale"))));
    assertEquals("1+2", text(view.get(key("n")).value()));
    assertEquals("fresh", text(view.get(key("expired")).value()));
    assertChanges(applied, change(key("n"), false), change(key("expired"), false));
  }

  @Test
  void mutationsApplyInOrderAndLaterOnesSeeEarlierOnes() {
    apply(write(List.of(), Mutation.arithmetic(key("n"), MutationKind.SUM, 2),
        Mutation.arithmetic(key("n"), MutationKind.SUM, 3), Mutation.delete(key("n")),
        Mutation.arithmetic(key("n"), MutationKind.SUM, 7)));
    assertEquals(7, view.get(key("n")).value().asU64());
  }

  @Test
  void enqueuesAreAddedWithTheCommitVersionstampAndTheirIndexOnlyWhenTheRequestCommits() {
    Enqueue first = Enqueue.of(Value.string("m1"), 0, NOW, List.of(), new long[0], true);
    Enqueue second = Enqueue.of(Value.string("m2"), 10, NOW, List.of(), new long[0], true);
    apply(new AtomicWrite(List.of(Check.absent(key("a"))), List.of(), Long.MAX_VALUE,
        List.of(first, second)));
    assertEquals(List.of(new MapWriteView.Enqueued(VS, 0, first),
        new MapWriteView.Enqueued(VS, 1, second)), view.enqueued);

    put("a", Value.string("A"), 0);
    apply(new AtomicWrite(List.of(Check.absent(key("a"))), List.of(), Long.MAX_VALUE,
        List.of(first)));
    assertEquals(2, view.enqueued.size(), "a refused request enqueues nothing");
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private Applied apply(AtomicWrite write) {
    return AtomicApplier.apply(view, write, VS, NOW);
  }

  private void put(String key, Value value, long expiresAtMs) {
    view.entries.put(java.nio.ByteBuffer.wrap(key(key)),
        new dev.atomkv.server.engine.StoredEntry(key(key), value, OLD, expiresAtMs));
  }

  private static AtomicWrite write(List<Check> checks, Mutation... mutations) {
    return new AtomicWrite(checks, List.of(mutations));
  }

  private static byte[] key(String part) {
    return KeyCodec.encode(Key.of(new KeyPart.Text(part)));
  }

  private static String text(Value v) {
    return new String(v.payload(), StandardCharsets.UTF_8);
  }

  private static KeyChange change(byte[] key, boolean deleted) {
    return new KeyChange(key, VS, deleted);
  }

  private static void assertChanges(Applied applied, KeyChange... expected) {
    assertEquals(expected.length, applied.changes().size(), "changes");
    for (int i = 0; i < expected.length; i++) {
      KeyChange actual = applied.changes().get(i);
      assertArrayEquals(expected[i].key(), actual.key());
      assertEquals(expected[i].versionstamp(), actual.versionstamp());
      assertEquals(expected[i].deleted(), actual.deleted());
    }
  }
}
