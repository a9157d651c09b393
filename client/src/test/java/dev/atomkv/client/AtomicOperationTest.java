package dev.atomkv.client;

import static dev.atomkv.client.Condition.beginsWith;
import static dev.atomkv.client.Condition.equalTo;
import static dev.atomkv.client.Condition.exists;
import static dev.atomkv.client.Condition.greaterThan;
import static dev.atomkv.client.Condition.notExists;
import static dev.atomkv.client.TestEntries.VS1;
import static dev.atomkv.client.TestEntries.VS2;
import static dev.atomkv.client.Where.where;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.Value;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.proto.v1.Check;
import dev.atomkv.proto.v1.Match;
import dev.atomkv.proto.v1.Operator;
import dev.atomkv.proto.v1.Mutation;
import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class AtomicOperationTest {
  private static final AtomicResponse OK = AtomicResponse.newBuilder()
      .setOk(true).setVersionstamp(ByteString.copyFrom(VS2.toBytes())).build();

  @RegisterExtension
  final FakeKvServer server = new FakeKvServer();

  @Test
  void mapsEveryCheckKind() {
    server.service().atomic.reply(OK);
    KvEntry present = new KvEntry(Key.of("p"), KvValue.of("v"), VS1, Instant.EPOCH);
    KvEntry missing = KvEntry.missing(Key.of("m"));

    server.client().atomic()
        .check(present)
        .check(missing)
        .check(Key.of("k"), VS2)
        .check(Key.of("n"), (Versionstamp) null)
        .checkAbsent(Key.of("a"))
        .commit();

    assertEquals(List.of(
        Check.newBuilder().setKey(key("p")).setVersionstamp(ByteString.copyFrom(VS1.toBytes())).build(),
        Check.newBuilder().setKey(key("m")).setAbsent(Empty.getDefaultInstance()).build(),
        Check.newBuilder().setKey(key("k")).setVersionstamp(ByteString.copyFrom(VS2.toBytes())).build(),
        Check.newBuilder().setKey(key("n")).setAbsent(Empty.getDefaultInstance()).build(),
        Check.newBuilder().setKey(key("a")).setAbsent(Empty.getDefaultInstance()).build()),
        server.service().atomic.onlyRequest().getChecksList());
  }

  @Test
  void mapsEveryMutationKindInOrder() {
    server.service().atomic.reply(OK);
    Value json = Value.newBuilder().setBoolValue(true).build();

    server.client().atomic()
        .set(Key.of("s"), KvValue.of("text"))
        .set(Key.of("e"), KvValue.of(new byte[] {1}), Duration.ofMillis(1500))
        .set(Key.of("r"), KvValue.json(json), Duration.ofNanos(1))
        .setWithVersionstampSuffix(Key.of("log"), KvValue.v8(new byte[] {2}))
        .delete(Key.of("d"))
        .sum(Key.of("c"), -1)
        .min(Key.of("lo"), 5)
        .max(Key.of("hi"), Long.MIN_VALUE)
        .commit();

    AtomicRequest request = server.service().atomic.onlyRequest();
    assertEquals(List.of(
        Mutation.newBuilder().setKey(key("s"))
            .setSet(dev.atomkv.proto.v1.Value.newBuilder().setString("text")).build(),
        Mutation.newBuilder().setKey(key("e"))
            .setSet(dev.atomkv.proto.v1.Value.newBuilder().setBytes(ByteString.copyFrom(new byte[] {1})))
            .setExpireInMs(1500).build(),
        Mutation.newBuilder().setKey(key("r"))
            .setSet(dev.atomkv.proto.v1.Value.newBuilder().setJson(json))
            .setExpireInMs(1).build(),
        Mutation.newBuilder().setKey(key("log"))
            .setSet(dev.atomkv.proto.v1.Value.newBuilder().setV8(ByteString.copyFrom(new byte[] {2})))
            .setVersionstampSuffix(true).build(),
        Mutation.newBuilder().setKey(key("d")).setDelete(Empty.getDefaultInstance()).build(),
        Mutation.newBuilder().setKey(key("c")).setSum(-1L).build(),
        Mutation.newBuilder().setKey(key("lo")).setMin(5).build(),
        Mutation.newBuilder().setKey(key("hi")).setMax(Long.MIN_VALUE).build()),
        request.getMutationsList());
    assertEquals(0, request.getChecksCount());
  }

  @Test
  void okCommitGivesTheVersionstamp() {
    server.service().atomic.reply(OK);

    CommitResult result = server.client().atomic().checkAbsent(Key.of("a")).commit();

    assertTrue(result.ok());
    assertEquals(VS2, result.versionstamp());
    assertEquals(List.of(), result.failedChecks());
  }

  @Test
  void failedChecksAreAResultNotAnException() {
    server.service().atomic.reply(AtomicResponse.newBuilder().setOk(false)
        .addFailedChecks(0).addFailedChecks(2).build());

    CommitResult result = server.client().atomic()
        .check(Key.of("a"), VS1).checkAbsent(Key.of("b")).check(Key.of("c"), VS2)
        .set(Key.of("a"), KvValue.of("x"))
        .commit();

    assertFalse(result.ok());
    assertNull(result.versionstamp());
    assertEquals(List.of(0, 2), result.failedChecks());
  }

  @Test
  void unavailableCommitIsUnknownAndNotRetried() {
    server.service().atomic.fail(Status.Code.UNAVAILABLE, "connection reset").reply(OK);

    CommitOutcomeUnknownException e = assertThrows(CommitOutcomeUnknownException.class,
        () -> server.client().set(Key.of("a"), KvValue.of("x")));

    assertEquals(Status.Code.UNAVAILABLE, e.code());
    assertEquals("connection reset", e.description());
    assertFalse(e.isNotApplied());
    assertEquals(1, server.service().atomic.requests().size());
  }

  @Test
  void commitPastItsDeadlineIsUnknown() {
    server.service().atomic.hang().reply(OK);
    KvClient impatient = server.client().withDeadline(Duration.ofMillis(50));

    CommitOutcomeUnknownException e = assertThrows(CommitOutcomeUnknownException.class,
        () -> impatient.atomic().sum(Key.of("n"), 1).commit());

    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.code());
    assertEquals(1, server.service().atomic.requests().size());
  }

  @Test
  void cancelledCommitIsUnknown() {
    server.service().atomic.fail(Status.Code.CANCELLED, "client went away");

    CommitOutcomeUnknownException e = assertThrows(CommitOutcomeUnknownException.class,
        () -> server.client().delete(Key.of("a")));

    assertEquals(Status.Code.CANCELLED, e.code());
  }

  @Test
  void notAppliedIsAPlainKvExceptionSafeToRetry() {
    server.service().atomic.fail(FakeKvService.notApplied("writer queue full")).reply(OK);

    KvException e = assertThrows(KvException.class, () -> server.client().set(Key.of("a"), KvValue.of("x")));

    assertSame(KvException.class, e.getClass());
    assertTrue(e.isNotApplied());
    assertEquals("NOT_APPLIED", e.reason());
    assertEquals(Status.Code.UNAVAILABLE, e.code());
    assertEquals("writer queue full", e.description());
    assertEquals(1, server.service().atomic.requests().size(), "the client never retries a commit itself");
  }

  @Test
  void serverRefusalIsAPlainKvException() {
    server.service().atomic.fail(Status.Code.FAILED_PRECONDITION,
        "Failed to perform 'sum' mutation on a non-U64 value in the database");

    KvException e = assertThrows(KvException.class, () -> server.client().atomic().sum(Key.of("s"), 1).commit());

    assertSame(KvException.class, e.getClass());
    assertEquals(Status.Code.FAILED_PRECONDITION, e.code());
    assertEquals("Failed to perform 'sum' mutation on a non-U64 value in the database", e.description());
    assertFalse(e.isNotApplied());
    assertNull(e.reason());
  }

  @Test
  void expireInMustBePositive() {
    AtomicOperation op = server.client().atomic();
    assertThrows(IllegalArgumentException.class, () -> op.set(Key.of("a"), KvValue.of("x"), Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> op.set(Key.of("a"), KvValue.of("x"), Duration.ofSeconds(-1)));
    assertEquals(List.of(), server.service().atomic.requests());
  }

  @Test
  void mapsFilterChecksAndConditionalWrites() {
    server.service().atomic.reply(OK);
    Filter smiths = Filter.and("surname", beginsWith("S")).and("age", greaterThan(30));
    Filter either = Filter.or("nationality", equalTo("Australian")).or("leaving", exists());

    server.client().atomic()
        .check(Key.of("employee5"), either)
        .checkAbsent(Key.of("a"))
        .set(Key.of("employee2"), KvValue.json(Map.of("surname", "Smith")), where(smiths))
        .set(Key.of("new"), KvValue.of("v"), Duration.ofSeconds(2), where(Filter.and("id", notExists())))
        .set(Key.of("plain"), KvValue.of("p"))
        .delete(Key.of("employee4"), where(Filter.and("leaving", exists())))
        .commit();

    dev.atomkv.proto.v1.Filter smithsWire = dev.atomkv.proto.v1.Filter.newBuilder()
        .setMatch(Match.MATCH_ALL)
        .addConditions(condition("surname", Operator.OPERATOR_BEGINS_WITH,
            Value.newBuilder().setStringValue("S").build()))
        .addConditions(condition("age", Operator.OPERATOR_GREATER_THAN,
            Value.newBuilder().setNumberValue(30).build()))
        .build();
    dev.atomkv.proto.v1.Filter eitherWire = dev.atomkv.proto.v1.Filter.newBuilder()
        .setMatch(Match.MATCH_ANY)
        .addConditions(condition("nationality", Operator.OPERATOR_EQUAL_TO,
            Value.newBuilder().setStringValue("Australian").build()))
        .addConditions(condition("leaving", Operator.OPERATOR_EXISTS))
        .build();
    AtomicRequest request = server.service().atomic.onlyRequest();
    assertEquals(List.of(
        Check.newBuilder().setKey(key("employee5")).setWhere(eitherWire).build(),
        Check.newBuilder().setKey(key("a")).setAbsent(Empty.getDefaultInstance()).build()),
        request.getChecksList());
    Value smith = Value.newBuilder().setStructValue(com.google.protobuf.Struct.newBuilder()
        .putFields("surname", Value.newBuilder().setStringValue("Smith").build())).build();
    assertEquals(List.of(
        Mutation.newBuilder().setKey(key("employee2"))
            .setSet(dev.atomkv.proto.v1.Value.newBuilder().setJson(smith))
            .setWhere(smithsWire).build(),
        Mutation.newBuilder().setKey(key("new"))
            .setSet(dev.atomkv.proto.v1.Value.newBuilder().setString("v"))
            .setExpireInMs(2000)
            .setWhere(dev.atomkv.proto.v1.Filter.newBuilder().setMatch(Match.MATCH_ALL)
                .addConditions(condition("id", Operator.OPERATOR_NOT_EXISTS))).build(),
        Mutation.newBuilder().setKey(key("plain"))
            .setSet(dev.atomkv.proto.v1.Value.newBuilder().setString("p")).build(),
        Mutation.newBuilder().setKey(key("employee4")).setDelete(Empty.getDefaultInstance())
            .setWhere(dev.atomkv.proto.v1.Filter.newBuilder().setMatch(Match.MATCH_ALL)
                .addConditions(condition("leaving", Operator.OPERATOR_EXISTS))).build()),
        request.getMutationsList());
  }

  @Test
  void failedConditionsAreAResult() {
    server.service().atomic.reply(AtomicResponse.newBuilder().setOk(false)
        .addFailedChecks(1).addFailedConditions(0).addFailedConditions(2).build());

    CommitResult result = server.client().atomic()
        .check(Key.of("a"), Filter.and("x", exists())).checkAbsent(Key.of("b"))
        .set(Key.of("a"), KvValue.json(Map.of()), where(Filter.and("x", exists())))
        .set(Key.of("b"), KvValue.of("x"))
        .delete(Key.of("c"), where(Filter.or("y", notExists())))
        .commit();

    assertFalse(result.ok());
    assertNull(result.versionstamp());
    assertEquals(List.of(1), result.failedChecks());
    assertEquals(List.of(0, 2), result.failedConditions());
  }

  @Test
  void failedConditionsAloneFailTheCommit() {
    server.service().atomic.reply(AtomicResponse.newBuilder().setOk(false).addFailedConditions(0).build());

    CommitResult result = server.client().atomic()
        .delete(Key.of("c"), where(Filter.and("y", exists())))
        .commit();

    assertEquals(new CommitResult(false, null, List.of(), List.of(0)), result);
  }

  @Test
  void okCommitHasNoFailedConditions() {
    server.service().atomic.reply(OK);

    CommitResult result = server.client().atomic().delete(Key.of("c"), where(Filter.and("y", exists()))).commit();

    assertEquals(new CommitResult(true, VS2, List.of(), List.of()), result);
    assertEquals(new CommitResult(true, VS2, List.of()), result, "the three-argument form has no failed conditions");
  }

  @Test
  void whereAndFilterAreRequired() {
    AtomicOperation op = server.client().atomic();
    assertThrows(NullPointerException.class, () -> where(null));
    assertThrows(NullPointerException.class, () -> op.check(Key.of("a"), (Filter) null));
    assertThrows(NullPointerException.class, () -> op.set(Key.of("a"), KvValue.of("x"), (Where) null));
    assertThrows(NullPointerException.class, () -> op.delete(Key.of("a"), null));
    assertThrows(IllegalArgumentException.class,
        () -> op.set(Key.of("a"), KvValue.of("x"), Duration.ZERO, where(Filter.and("a", exists()))));
  }

  private static dev.atomkv.proto.v1.Condition condition(String attribute, Operator op, Value... values) {
    return dev.atomkv.proto.v1.Condition.newBuilder()
        .setAttribute(attribute).setOp(op).addAllValues(List.of(values)).build();
  }

  private static dev.atomkv.proto.v1.Key key(String part) {
    return dev.atomkv.proto.v1.Key.newBuilder()
        .addParts(dev.atomkv.proto.v1.KeyPart.newBuilder().setString(part))
        .build();
  }
}
