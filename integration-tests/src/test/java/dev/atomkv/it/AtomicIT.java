package dev.atomkv.it;

import static dev.atomkv.it.Wire.assertRefusedAndNothingChanged;
import static dev.atomkv.it.Wire.atomic;
import static dev.atomkv.it.Wire.bytesValue;
import static dev.atomkv.it.Wire.checkAbsent;
import static dev.atomkv.it.Wire.checkVersionstamp;
import static dev.atomkv.it.Wire.commitOk;
import static dev.atomkv.it.Wire.delete;
import static dev.atomkv.it.Wire.everything;
import static dev.atomkv.it.Wire.jsonValue;
import static dev.atomkv.it.Wire.key;
import static dev.atomkv.it.Wire.set;
import static dev.atomkv.it.Wire.setExpiring;
import static dev.atomkv.it.Wire.stringValue;
import static dev.atomkv.it.Wire.u64Value;
import static dev.atomkv.it.Wire.v8Value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import dev.atomkv.client.CommitResult;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvValue;
import dev.atomkv.client.ListSelector;
import dev.atomkv.client.Versionstamp;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.proto.v1.Check;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.GetRequest;
import dev.atomkv.proto.v1.KeyPart;
import dev.atomkv.proto.v1.KvServiceGrpc.KvServiceBlockingStub;
import dev.atomkv.proto.v1.ListRequest;
import dev.atomkv.proto.v1.Mutation;
import dev.atomkv.proto.v1.Value;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SPEC §1.2, §1.3 and §3.3 end to end: checks, mutations, versionstamps, validation. */
class AtomicIT {
  private static final long U64_MAX = -1L;
  private static final long MAX_SAFE_INTEGER = (1L << 53) - 1;

  @TempDir Path dir;
  RunningServer server;
  KvClient kv;
  KvServiceBlockingStub stub;

  /** Present in every test's database, so "nothing changed" has something to compare. */
  static final dev.atomkv.proto.v1.Key SEED_TEXT = key("seed", "text");
  static final dev.atomkv.proto.v1.Key SEED_COUNTER = key("seed", "counter");

  @BeforeEach
  void start() throws Exception {
    server = RunningServer.start(dir);
    kv = server.client();
    stub = server.stub();
    commitOk(stub, atomic(set(SEED_TEXT, stringValue("seed")), set(SEED_COUNTER, u64Value(10))));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  // ---- checks ----

  @Test
  void versionstampCheckHoldsOnlyWhileTheKeyIsUnchanged() {
    Key k = Key.of("doc");
    Versionstamp v1 = kv.set(k, KvValue.of("one")).versionstamp();

    CommitResult second = kv.atomic().check(k, v1).set(k, KvValue.of("two")).commit();
    assertTrue(second.ok());
    assertTrue(second.versionstamp().compareTo(v1) > 0);

    CommitResult stale = kv.atomic().check(k, v1).set(k, KvValue.of("three")).commit();
    assertEquals(new CommitResult(false, null, List.of(0)), stale);
    KvEntry now = kv.get(k);
    assertEquals(KvValue.of("two"), now.value());
    assertEquals(second.versionstamp(), now.versionstamp());

    // A versionstamp check on a missing key fails; absent holds only for a missing key.
    Key missing = Key.of("missing");
    assertEquals(List.of(0), kv.atomic().check(missing, v1).commit().failedChecks());
    assertTrue(kv.atomic().checkAbsent(missing).set(missing, KvValue.of("created")).commit().ok());
    CommitResult again = kv.atomic().checkAbsent(missing).set(missing, KvValue.of("twice")).commit();
    assertEquals(new CommitResult(false, null, List.of(0)), again);
    assertEquals(KvValue.of("created"), kv.get(missing).value());

    // A deleted key is absent again.
    kv.delete(missing);
    assertTrue(kv.atomic().checkAbsent(missing).commit().ok());
  }

  @Test
  void failedChecksListsEveryFailingIndexAndNothingIsWritten() {
    dev.atomkv.proto.v1.Key a = key("a");
    dev.atomkv.proto.v1.Key b = key("b");
    dev.atomkv.proto.v1.Key c = key("c");
    ByteString va = commitOk(stub, atomic(set(a, stringValue("A"))));
    commitOk(stub, atomic(set(b, stringValue("B"))));
    List<Entry> before = everything(stub);

    AtomicRequest request = atomic(
        List.of(
            checkVersionstamp(a, va),   // 0 holds
            checkAbsent(b),             // 1 fails: b exists
            checkVersionstamp(c, va),   // 2 fails: c is missing
            checkAbsent(c),             // 3 holds
            checkVersionstamp(b, va)),  // 4 fails: b was written by another commit
        List.of(set(key("x"), stringValue("X")), Wire.sum(SEED_COUNTER, 1), delete(a)));
    AtomicResponse r = stub.atomic(request);

    assertFalse(r.getOk());
    assertEquals(List.of(1, 2, 4), r.getFailedChecksList());
    assertEquals(ByteString.EMPTY, r.getVersionstamp());
    assertEquals(before, everything(stub));

    // A single failing check is listed alone.
    AtomicResponse one = stub.atomic(atomic(
        List.of(checkVersionstamp(a, va), checkAbsent(b), checkAbsent(c)),
        List.of(set(key("x"), stringValue("X")))));
    assertFalse(one.getOk());
    assertEquals(List.of(1), one.getFailedChecksList());
    assertEquals(before, everything(stub));
  }

  @Test
  void requestWithoutMutationsWhoseChecksPassCommitsWithAVersionstamp() {
    ByteString written = commitOk(stub, atomic(set(key("a"), stringValue("A"))));
    List<Entry> before = everything(stub);

    ByteString checksOnly = commitOk(stub, atomic(
        List.of(checkVersionstamp(key("a"), written), checkAbsent(key("nope"))), List.of()));
    assertTrue(unsigned(checksOnly, written) > 0, "a later commit has a larger versionstamp");

    ByteString empty = commitOk(stub, AtomicRequest.getDefaultInstance());
    assertTrue(unsigned(empty, checksOnly) > 0);

    assertEquals(before, everything(stub), "a commit without mutations writes nothing");
  }

  // ---- versionstamps ----

  @Test
  void everyKeyWrittenByARequestCarriesItsVersionstamp() {
    Key counter = Key.of("seed", "counter");
    CommitResult r = kv.atomic()
        .set(Key.of("k", 1), KvValue.of("one"))
        .set(Key.of("k", 2), KvValue.u64(2))
        .sum(counter, 5)
        .min(Key.of("k", 3), 7)
        .max(Key.of("k", 4), 9)
        .setWithVersionstampSuffix(Key.of("log"), KvValue.of("entry"))
        .commit();
    assertTrue(r.ok());
    List<KvEntry> entries = kv.getMany(List.of(Key.of("k", 1), Key.of("k", 2), counter,
        Key.of("k", 3), Key.of("k", 4), Key.of("log", r.versionstamp().toString())));
    for (KvEntry e : entries) {
      assertTrue(e.exists(), () -> e.key() + " missing");
      assertEquals(r.versionstamp(), e.versionstamp(), () -> e.key() + " versionstamp");
    }
    assertEquals(15, entries.get(2).value().asU64());
    // The seed key, not written, keeps its older versionstamp.
    assertTrue(kv.get(Key.of("seed", "text")).versionstamp().compareTo(r.versionstamp()) < 0);
  }

  @Test
  void versionstampsStrictlyIncreaseAndFollowTheClock() {
    Versionstamp previous = null;
    for (int i = 0; i < 50; i++) {
      long beforeMicros = System.currentTimeMillis() * 1000;
      Versionstamp v = kv.set(Key.of("n"), KvValue.u64(i)).versionstamp();
      long afterMicros = (System.currentTimeMillis() + 1) * 1000;
      if (previous != null) {
        assertTrue(v.compareTo(previous) > 0, v + " after " + previous);
      }
      // commit version = max(previous + 1, Unix time in microseconds): never behind the clock,
      // and ahead of it only by the handful of commits that arrived within one microsecond.
      assertTrue(v.commitVersion() >= beforeMicros - 1_000, v + " behind the clock");
      assertTrue(v.commitVersion() <= afterMicros + 1_000, v + " ahead of the clock");
      assertEquals(v, kv.get(Key.of("n")).versionstamp());
      previous = v;
    }
  }

  @Test
  void concurrentCommitsGetDistinctVersionstampsEachCarriedByItsKey() throws Exception {
    int threads = 8;
    int perThread = 25;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<List<Versionstamp>>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          List<Versionstamp> mine = new ArrayList<>();
          for (int i = 0; i < perThread; i++) {
            CommitResult r = kv.atomic()
                .set(Key.of("c", thread, i), KvValue.u64(i))
                .sum(Key.of("total"), 1)
                .commit();
            assertTrue(r.ok());
            mine.add(r.versionstamp());
          }
          return mine;
        }));
      }
      Set<Versionstamp> all = new HashSet<>();
      for (int t = 0; t < threads; t++) {
        List<Versionstamp> mine = futures.get(t).get(60, TimeUnit.SECONDS);
        for (int i = 0; i < perThread; i++) {
          if (i > 0) {
            assertTrue(mine.get(i).compareTo(mine.get(i - 1)) > 0, "one thread's commits in order");
          }
          assertEquals(mine.get(i), kv.get(Key.of("c", t, i)).versionstamp());
          all.add(mine.get(i));
        }
      }
      assertEquals(threads * perThread, all.size(), "versionstamps never repeat");
      assertEquals(threads * perThread, kv.get(Key.of("total")).value().asU64());
    } finally {
      pool.shutdownNow();
    }
  }

  // ---- mutations ----

  @Test
  void setDeleteSumMinMax() {
    Key k = Key.of("num");
    assertEquals(KvValue.u64(5), commitAndGet(kv.atomic().sum(k, 5), k));
    assertEquals(KvValue.u64(12), commitAndGet(kv.atomic().sum(k, 7), k));
    assertEquals(KvValue.u64(3), commitAndGet(kv.atomic().min(k, 3), k));
    assertEquals(KvValue.u64(3), commitAndGet(kv.atomic().min(k, 10), k));
    assertEquals(KvValue.u64(100), commitAndGet(kv.atomic().max(k, 100), k));
    assertEquals(KvValue.u64(100), commitAndGet(kv.atomic().max(k, 50), k));
    assertEquals(KvValue.of("text"), commitAndGet(kv.atomic().set(k, KvValue.of("text")), k));
    assertTrue(kv.delete(k).ok());
    assertFalse(kv.get(k).exists());
    assertTrue(kv.delete(k).ok(), "deleting a missing key is fine");
    assertFalse(kv.get(k).exists());
  }

  @Test
  void sumWrapsModulo2To64AndMinMaxCompareUnsigned() {
    Key k = Key.of("wrap");
    kv.set(k, KvValue.u64(U64_MAX));
    assertEquals(KvValue.u64(1), commitAndGet(kv.atomic().sum(k, 2), k));
    assertEquals(KvValue.u64(0), commitAndGet(kv.atomic().sum(k, U64_MAX), k));
    // 2^63 is larger than 1 as an unsigned counter (negative as a Java long).
    assertEquals(KvValue.u64(Long.MIN_VALUE), commitAndGet(kv.atomic().max(k, Long.MIN_VALUE), k));
    assertEquals(KvValue.u64(Long.MIN_VALUE), commitAndGet(kv.atomic().max(k, 1), k));
    assertEquals(KvValue.u64(5), commitAndGet(kv.atomic().min(k, 5), k));
    assertEquals(KvValue.u64(5), commitAndGet(kv.atomic().min(k, U64_MAX), k));
  }

  @Test
  void sumMinMaxOnMissingKeysStoreTheOperand() {
    CommitResult r = kv.atomic()
        .sum(Key.of("s"), 41)
        .min(Key.of("lo"), 1234)
        .max(Key.of("hi"), 7)
        .min(Key.of("zero"), 0)
        .commit();
    assertTrue(r.ok());
    assertEquals(KvValue.u64(41), kv.get(Key.of("s")).value());
    assertEquals(KvValue.u64(1234), kv.get(Key.of("lo")).value());
    assertEquals(KvValue.u64(7), kv.get(Key.of("hi")).value());
    assertEquals(KvValue.u64(0), kv.get(Key.of("zero")).value());
  }

  @ParameterizedTest
  @ValueSource(strings = {"sum", "min", "max"})
  void arithmeticOnANonU64ValueFailsAndRollsBackTheWholeRequest(String op) {
    String message = "Failed to perform '" + op + "' mutation on a non-U64 value in the database";
    BiFunction<dev.atomkv.proto.v1.Key, Long, Mutation> arithmetic = switch (op) {
      case "sum" -> Wire::sum;
      case "min" -> Wire::min;
      default -> Wire::max;
    };
    List<Value> notU64 = List.of(stringValue("42"), bytesValue(new byte[8]),
        jsonValue(com.google.protobuf.Value.newBuilder().setNumberValue(42).build()),
        v8Value(new byte[] {(byte) 0xff, 0x0f, 0x49, 0x54}));
    for (int i = 0; i < notU64.size(); i++) {
      dev.atomkv.proto.v1.Key target = key("target", i);
      commitOk(stub, atomic(set(target, notU64.get(i))));
      // Earlier mutations of the request (a set, a delete, a valid sum) must not be applied.
      AtomicRequest request = atomic(
          set(key("before", i), stringValue("must not be written")),
          delete(SEED_TEXT),
          Wire.sum(SEED_COUNTER, 1),
          arithmetic.apply(target, 1L),
          set(key("after", i), stringValue("must not be written")));
      assertRefusedAndNothingChanged(stub, Code.FAILED_PRECONDITION, message, request);
    }
    // The value that fails may come from an earlier mutation of the same request.
    assertRefusedAndNothingChanged(stub, Code.FAILED_PRECONDITION, message, atomic(
        set(key("fresh"), stringValue("text")), arithmetic.apply(key("fresh"), 1L)));
    assertEquals(dev.atomkv.proto.v1.Entry.newBuilder().setKey(key("fresh")).build(),
        Wire.get(stub, key("fresh")));
  }

  @Test
  void validationComesBeforeChecksAndChecksBeforeMutations() {
    // A malformed request is refused even though its check would fail.
    assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, "key cannot be empty", atomic(
        List.of(checkAbsent(SEED_TEXT)),
        List.of(set(dev.atomkv.proto.v1.Key.getDefaultInstance(), stringValue("v")))));
    // A failed check is an answer (ok=false), even when a mutation would have failed.
    List<Entry> before = everything(stub);
    AtomicResponse r = stub.atomic(atomic(List.of(checkAbsent(SEED_TEXT)),
        List.of(Wire.sum(SEED_TEXT, 1))));
    assertFalse(r.getOk());
    assertEquals(List.of(0), r.getFailedChecksList());
    assertEquals(before, everything(stub));
  }

  @Test
  void mutationsApplyInRequestOrder() {
    Key k = Key.of("order");
    assertTrue(kv.atomic().set(k, KvValue.of("v")).delete(k).commit().ok());
    assertFalse(kv.get(k).exists(), "set then delete leaves nothing");

    kv.set(k, KvValue.of("old"));
    assertTrue(kv.atomic().delete(k).set(k, KvValue.of("new")).commit().ok());
    assertEquals(KvValue.of("new"), kv.get(k).value(), "delete then set leaves the value");

    // sum sees the state left by the earlier mutations of its request.
    assertTrue(kv.atomic().set(k, KvValue.u64(10)).sum(k, 5).commit().ok());
    assertEquals(KvValue.u64(15), kv.get(k).value());
    assertTrue(kv.atomic().delete(k).sum(k, 5).commit().ok());
    assertEquals(KvValue.u64(5), kv.get(k).value());
    assertTrue(kv.atomic().set(k, KvValue.of("x")).set(k, KvValue.u64(1)).max(k, 9).commit().ok());
    assertEquals(KvValue.u64(9), kv.get(k).value());
  }

  @Test
  void versionstampSuffixAppendsTheCommitsVersionstampAsAStringPart() {
    Key log = Key.of("log");
    List<Versionstamp> stamps = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      CommitResult r = kv.atomic().setWithVersionstampSuffix(log, KvValue.of("entry " + i)).commit();
      assertTrue(r.ok());
      stamps.add(r.versionstamp());
    }
    List<KvEntry> listed = kv.stream(ListSelector.prefix(log)).toList();
    assertEquals(3, listed.size());
    for (int i = 0; i < 3; i++) {
      KvEntry e = listed.get(i);
      String hex = stamps.get(i).toString();
      assertTrue(hex.matches("[0-9a-f]{20}"), hex);
      assertEquals(Key.of("log", hex), e.key());
      assertEquals(stamps.get(i), e.versionstamp());
      assertEquals(KvValue.of("entry " + i), e.value());
    }
    // On the wire: exactly one more part, a string.
    Entry raw = Wire.list(stub, key("log")).get(0);
    assertEquals(2, raw.getKey().getPartsCount());
    assertEquals(KeyPart.KindCase.STRING, raw.getKey().getParts(1).getKindCase());
    assertEquals(stamps.get(0).toString(), raw.getKey().getParts(1).getString());
    assertFalse(kv.get(log).exists(), "the prefix itself is not written");
  }

  @Test
  void valuesOfEveryKindRoundTripWithTheirKind() {
    Struct doc = Struct.newBuilder()
        .putFields("name", com.google.protobuf.Value.newBuilder().setStringValue("Ada").build())
        .putFields("age", com.google.protobuf.Value.newBuilder().setNumberValue(36).build())
        .putFields("admin", com.google.protobuf.Value.newBuilder().setBoolValue(true).build())
        .putFields("none", com.google.protobuf.Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build())
        .putFields("tags", com.google.protobuf.Value.newBuilder().setListValue(ListValue.newBuilder()
            .addValues(com.google.protobuf.Value.newBuilder().setStringValue("a"))
            .addValues(com.google.protobuf.Value.newBuilder().setNumberValue(-1.5))).build())
        .putFields("nested", com.google.protobuf.Value.newBuilder().setStructValue(Struct.newBuilder()
            .putFields("x", com.google.protobuf.Value.newBuilder().setNumberValue(1e300).build())).build())
        .build();
    List<Value> values = List.of(
        bytesValue(new byte[] {0, 1, (byte) 0xff, 0, 7}),
        bytesValue(new byte[0]),
        stringValue("héllo wörld 🌍 \u0000 end"),
        stringValue(""),
        u64Value(U64_MAX),
        u64Value(0),
        jsonValue(com.google.protobuf.Value.newBuilder().setStructValue(doc).build()),
        jsonValue(com.google.protobuf.Value.newBuilder().setNumberValue(1.5).build()),
        jsonValue(com.google.protobuf.Value.newBuilder().setStringValue("just text").build()),
        jsonValue(com.google.protobuf.Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build()),
        v8Value(new byte[] {(byte) 0xff, 0x0f, 0x22, 0x03, 'a', 'b', 'c'}),
        // The same bytes as a bytes value and as a v8 value stay distinct kinds.
        v8Value(new byte[] {0, 1, (byte) 0xff, 0, 7}));
    AtomicRequest.Builder write = AtomicRequest.newBuilder();
    GetRequest.Builder read = GetRequest.newBuilder();
    for (int i = 0; i < values.size(); i++) {
      write.addMutations(set(key("kind", i), values.get(i)));
      read.addKeys(key("kind", i));
    }
    ByteString v = commitOk(stub, write.build());

    List<Entry> got = stub.get(read.build()).getEntriesList();
    List<Entry> listed = Wire.list(stub, key("kind"));
    assertEquals(values.size(), got.size());
    assertEquals(values.size(), listed.size());
    for (int i = 0; i < values.size(); i++) {
      Entry expected = Entry.newBuilder().setKey(key("kind", i)).setValue(values.get(i))
          .setVersionstamp(v).build();
      assertEquals(expected, got.get(i), "Get of value " + i);
      assertEquals(expected, listed.get(i), "List of value " + i);
    }
    // The client maps each kind to its own.
    assertEquals(KvValue.Kind.BYTES, kv.get(Key.of("kind", 0)).value().kind());
    assertEquals(KvValue.Kind.STRING, kv.get(Key.of("kind", 2)).value().kind());
    assertEquals(KvValue.u64(U64_MAX), kv.get(Key.of("kind", 4)).value());
    assertEquals(KvValue.json(com.google.protobuf.Value.newBuilder().setStructValue(doc).build()),
        kv.get(Key.of("kind", 6)).value());
    assertEquals(KvValue.Kind.V8, kv.get(Key.of("kind", 11)).value().kind());
  }

  // ---- validation: INVALID_ARGUMENT, nothing written, the server keeps serving ----

  @Test
  void checkVersionstampMustBeTenBytes() {
    for (int size : new int[] {9, 11, 0}) {
      AtomicRequest request = atomic(
          List.of(checkAbsent(key("free")), checkVersionstamp(SEED_TEXT, ByteString.copyFrom(new byte[size]))),
          List.of(set(SEED_TEXT, stringValue("overwritten"))));
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, "Invalid versionstamp", request);
    }
  }

  @Test
  void emptyKeysAreRefused() {
    dev.atomkv.proto.v1.Key empty = dev.atomkv.proto.v1.Key.getDefaultInstance();
    assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, "key cannot be empty",
        atomic(set(key("ok"), stringValue("v")), set(empty, stringValue("v"))));
    assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, "key cannot be empty",
        atomic(set(key("ok"), stringValue("v")), delete(empty)));
    assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, "key cannot be empty",
        atomic(Mutation.newBuilder().setSum(1).build()));  // no key field at all
    assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, "key cannot be empty",
        atomic(List.of(checkAbsent(empty)), List.of(set(key("ok"), stringValue("v")))));
    Wire.assertStatus(Code.INVALID_ARGUMENT, "key cannot be empty",
        () -> stub.get(GetRequest.newBuilder().addKeys(key("ok")).addKeys(empty).build()));
  }

  @Test
  void unsetOneofsAreRefusedNamingTheField() {
    Mutation good = set(key("ok"), stringValue("v"));
    assertNamesField("mutations[1]", "op",
        atomic(good, Mutation.newBuilder().setKey(key("no-op")).build()));
    assertNamesField("checks[0]", "expect", atomic(
        List.of(Check.newBuilder().setKey(key("no-expect")).build()), List.of(good)));
    assertNamesField("mutations[1].set", "",
        atomic(good, set(key("no-kind"), Value.getDefaultInstance())));
    assertNamesField("mutations[1].set.json", "", atomic(good,
        set(key("json"), jsonValue(com.google.protobuf.Value.getDefaultInstance()))));
    dev.atomkv.proto.v1.Key partWithoutKind = key("a").toBuilder()
        .addParts(KeyPart.getDefaultInstance()).build();
    assertNamesField("mutations[1].key.parts[1]", "", atomic(good, set(partWithoutKind, stringValue("v"))));
    assertNamesField("checks[0].key.parts[1]", "",
        atomic(List.of(checkAbsent(partWithoutKind)), List.of(good)));
    StatusRuntimeException get = Wire.assertStatus(Code.INVALID_ARGUMENT, null,
        () -> stub.get(GetRequest.newBuilder().addKeys(partWithoutKind).build()));
    assertTrue(get.getStatus().getDescription().contains("keys[0].parts[1]"), get.getStatus().getDescription());
    StatusRuntimeException list = Wire.assertStatus(Code.INVALID_ARGUMENT, null,
        () -> stub.list(ListRequest.newBuilder().setPrefix(partWithoutKind).build()));
    assertTrue(list.getStatus().getDescription().contains("prefix.parts[1]"), list.getStatus().getDescription());
  }

  private void assertNamesField(String path, String field, AtomicRequest request) {
    StatusRuntimeException e = assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, null, request);
    String description = e.getStatus().getDescription();
    assertTrue(description != null && description.contains(path) && description.contains(field),
        "expected a message naming " + path + " " + field + ", got: " + description);
  }

  @Test
  void expireInMustBeANonNegativeIntegerWithinJavaScriptsSafeRange() {
    assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, "expireIn must be a non-negative integer",
        atomic(set(key("ok"), stringValue("v")), setExpiring(key("e"), stringValue("v"), -1)));
    assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, "expireIn must be a non-negative integer",
        atomic(setExpiring(key("e"), stringValue("v"), Long.MIN_VALUE)));
    long now = System.currentTimeMillis();
    assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, "expireIn is too large",
        atomic(set(key("ok"), stringValue("v")),
            setExpiring(key("e"), stringValue("v"), MAX_SAFE_INTEGER - now + 3_600_000)));
    assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, "expireIn is too large",
        atomic(setExpiring(key("e"), stringValue("v"), MAX_SAFE_INTEGER)));
    assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, "expireIn is too large",
        atomic(setExpiring(key("e"), stringValue("v"), Long.MAX_VALUE)));

    // An hour inside the bound is accepted, and the expiry time is receipt time + expire_in_ms.
    long before = System.currentTimeMillis();
    long expireIn = MAX_SAFE_INTEGER - before - 3_600_000;
    commitOk(stub, atomic(setExpiring(key("e"), stringValue("far"), expireIn)));
    long after = System.currentTimeMillis();
    Entry e = Wire.get(stub, key("e"));
    assertEquals(stringValue("far"), e.getValue());
    assertTrue(e.getExpiresAtMs() >= before + expireIn && e.getExpiresAtMs() <= after + expireIn,
        "expires_at_ms " + e.getExpiresAtMs());
    assertTrue(e.getExpiresAtMs() <= MAX_SAFE_INTEGER);
  }

  @Test
  void jsonWithNaNOrInfinityIsRefused() {
    com.google.protobuf.Value nan = com.google.protobuf.Value.newBuilder().setNumberValue(Double.NaN).build();
    com.google.protobuf.Value inf = com.google.protobuf.Value.newBuilder()
        .setNumberValue(Double.POSITIVE_INFINITY).build();
    com.google.protobuf.Value negInf = com.google.protobuf.Value.newBuilder()
        .setNumberValue(Double.NEGATIVE_INFINITY).build();
    List<com.google.protobuf.Value> bad = List.of(
        nan,
        inf,
        com.google.protobuf.Value.newBuilder().setStructValue(Struct.newBuilder()
            .putFields("ok", com.google.protobuf.Value.newBuilder().setNumberValue(1).build())
            .putFields("deep", com.google.protobuf.Value.newBuilder().setStructValue(
                Struct.newBuilder().putFields("n", nan)).build())).build(),
        com.google.protobuf.Value.newBuilder().setListValue(ListValue.newBuilder()
            .addValues(com.google.protobuf.Value.newBuilder().setStringValue("x"))
            .addValues(negInf)).build());
    for (com.google.protobuf.Value json : bad) {
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, null,
          atomic(set(key("ok"), stringValue("v")), set(key("json"), jsonValue(json))));
    }
    assertFalse(Wire.get(stub, key("json")).hasValue());
  }

  // ---- helpers ----

  private KvValue commitAndGet(dev.atomkv.client.AtomicOperation op, Key k) {
    CommitResult r = op.commit();
    assertTrue(r.ok());
    KvEntry e = kv.get(k);
    assertEquals(r.versionstamp(), e.versionstamp());
    assertNull(e.expiresAt());
    return e.value();
  }

  private static int unsigned(ByteString a, ByteString b) {
    return java.util.Arrays.compareUnsigned(a.toByteArray(), b.toByteArray());
  }
}
