package dev.atomkv.client;

import static dev.atomkv.client.TestEntries.VS1;
import static dev.atomkv.client.TestEntries.VS2;
import static dev.atomkv.client.TestEntries.entry;
import static dev.atomkv.client.TestEntries.missing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.proto.v1.GetRequest;
import dev.atomkv.proto.v1.GetResponse;
import dev.atomkv.proto.v1.KeyPart;
import dev.atomkv.proto.v1.Mutation;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class KvClientTest {
  @RegisterExtension
  final FakeKvServer server = new FakeKvServer();

  @Test
  void getMapsKeyPartsAndTheEntry() {
    Key key = Key.of("users", new byte[] {0, 1}, 42, BigInteger.TWO.pow(64).negate(), 1.5, true);
    server.service().get.reply(GetResponse.newBuilder()
        .addEntries(entry(key, KvValue.of("Ada"), VS1).toBuilder().setExpiresAtMs(1_700_000_000_123L))
        .build());

    KvEntry got = server.client().get(key);

    GetRequest request = server.service().get.onlyRequest();
    assertEquals(dev.atomkv.proto.v1.Consistency.CONSISTENCY_STRONG, request.getConsistency());
    assertEquals(List.of(
        KeyPart.newBuilder().setString("users").build(),
        KeyPart.newBuilder().setBytes(ByteString.copyFrom(new byte[] {0, 1})).build(),
        KeyPart.newBuilder().setInt(42).build(),
        KeyPart.newBuilder().setBigInt("-18446744073709551616").build(),
        KeyPart.newBuilder().setNumber(1.5).build(),
        KeyPart.newBuilder().setBoolean(true).build()),
        request.getKeys(0).getPartsList());
    assertSame(key, got.key());
    assertTrue(got.exists());
    assertEquals(KvValue.of("Ada"), got.value());
    assertEquals(VS1, got.versionstamp());
    assertEquals(Instant.ofEpochMilli(1_700_000_000_123L), got.expiresAt());
  }

  @Test
  void missingKeyGivesAnEntryWithoutValue() {
    server.service().get.reply(GetResponse.newBuilder().addEntries(missing(Key.of("nope"))).build());

    KvEntry got = server.client().get(Key.of("nope"), Consistency.EVENTUAL);

    assertFalse(got.exists());
    assertNull(got.value());
    assertNull(got.versionstamp());
    assertNull(got.expiresAt());
    assertEquals(Key.of("nope"), got.key());
    assertEquals(dev.atomkv.proto.v1.Consistency.CONSISTENCY_EVENTUAL,
        server.service().get.onlyRequest().getConsistency());
  }

  @Test
  void getManyReadsOneSnapshotInRequestOrder() {
    List<Key> keys = List.of(Key.of("b"), Key.of("a"), Key.of("c"));
    server.service().get.reply(GetResponse.newBuilder()
        .addEntries(entry(keys.get(0), KvValue.u64(7), VS2))
        .addEntries(missing(keys.get(1)))
        .addEntries(entry(keys.get(2), KvValue.of(new byte[] {9}), VS1))
        .build());

    List<KvEntry> got = server.client().getMany(keys);

    assertEquals(3, server.service().get.onlyRequest().getKeysCount());
    assertEquals(keys, got.stream().map(KvEntry::key).toList());
    assertEquals(7, got.get(0).value().asU64());
    assertFalse(got.get(1).exists());
    assertEquals(VS1, got.get(2).versionstamp());
  }

  @Test
  void getManyOfNoKeysMakesNoCall() {
    assertEquals(List.of(), server.client().getMany(List.of()));
    assertEquals(List.of(), server.service().get.requests());
  }

  @Test
  void everyCallCarriesTheDeadline() {
    server.service().get.reply(GetResponse.newBuilder().addEntries(missing(Key.of("a"))).build());
    server.service().atomic.reply(AtomicResponse.newBuilder().setOk(true)
        .setVersionstamp(ByteString.copyFrom(VS1.toBytes())).build());

    KvClient client = KvClient.create(server.channel());
    assertEquals(Duration.ofSeconds(10), client.deadline());
    client.get(Key.of("a"));
    client.withDeadline(Duration.ofSeconds(3)).delete(Key.of("a"));

    Deadline getDeadline = server.service().get.deadlines().get(0);
    Deadline commitDeadline = server.service().atomic.deadlines().get(0);
    assertNotNull(getDeadline);
    assertNotNull(commitDeadline);
    assertTrue(getDeadline.timeRemaining(TimeUnit.MILLISECONDS) > 9_000);
    assertTrue(getDeadline.timeRemaining(TimeUnit.MILLISECONDS) <= 10_000);
    assertTrue(commitDeadline.timeRemaining(TimeUnit.MILLISECONDS) > 2_000);
    assertTrue(commitDeadline.timeRemaining(TimeUnit.MILLISECONDS) <= 3_000);
  }

  @Test
  void getRetriesUnavailableWithAFreshDeadline() {
    server.service().get
        .fail(Status.Code.UNAVAILABLE, "server shutting down")
        .fail(Status.Code.UNAVAILABLE, "connection reset")
        .reply(GetResponse.newBuilder().addEntries(entry(Key.of("a"), KvValue.of("x"), VS1)).build());

    KvEntry got = server.client().get(Key.of("a"));

    assertEquals(KvValue.of("x"), got.value());
    assertEquals(3, server.service().get.requests().size());
    server.service().get.deadlines().forEach(d -> assertTrue(d.timeRemaining(TimeUnit.MILLISECONDS) > 9_000));
  }

  @Test
  void getGivesUpAfterThreeAttempts() {
    server.service().get
        .fail(Status.Code.UNAVAILABLE, "one")
        .fail(Status.Code.UNAVAILABLE, "two")
        .fail(Status.Code.UNAVAILABLE, "three")
        .reply(GetResponse.newBuilder().addEntries(missing(Key.of("a"))).build());

    KvException e = assertThrows(KvException.class, () -> server.client().get(Key.of("a")));

    assertEquals(Status.Code.UNAVAILABLE, e.code());
    assertEquals("three", e.description());
    assertEquals(3, server.service().get.requests().size());
  }

  @Test
  void readAttemptsCanBeChanged() {
    server.service().get.fail(Status.Code.UNAVAILABLE, "down");
    KvClient noRetry = KvClient.builder(server.channel()).readAttempts(1).build();

    assertThrows(KvException.class, () -> noRetry.get(Key.of("a")));
    assertEquals(1, server.service().get.requests().size());
  }

  @Test
  void getDoesNotRetryOtherErrors() {
    server.service().get.fail(Status.Code.INVALID_ARGUMENT, "Too many keys (max 1000)");

    KvException e = assertThrows(KvException.class, () -> server.client().get(Key.of("a")));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
    assertEquals("Too many keys (max 1000)", e.description());
    assertEquals("INVALID_ARGUMENT: Too many keys (max 1000)", e.getMessage());
    assertFalse(e.isNotApplied());
    assertEquals(1, server.service().get.requests().size());
  }

  /** RESOURCE_EXHAUSTED with an ErrorInfo reason and, when given, a RetryInfo delay. */
  private static StatusRuntimeException exhausted(String reason, Duration retryDelay) {
    com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder()
        .setCode(Status.Code.RESOURCE_EXHAUSTED.value())
        .setMessage("refused: " + reason)
        .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(reason).setDomain("atomkv.dev")
            .build()));
    if (retryDelay != null) {
      status.addDetails(Any.pack(RetryInfo.newBuilder().setRetryDelay(
          com.google.protobuf.Duration.newBuilder().setSeconds(retryDelay.getSeconds())
              .setNanos(retryDelay.getNano())).build()));
    }
    return StatusProto.toStatusRuntimeException(status.build());
  }

  @Test
  void aReadOverTheRateLimitIsTooManyRequestsWithTheServersDelayAndNotRetried() {
    server.service().get.fail(exhausted("TOO_MANY_REQUESTS", Duration.ofMillis(1250)));

    TooManyRequestsException e = assertThrows(TooManyRequestsException.class,
        () -> server.client().get(Key.of("a")));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.code());
    assertEquals(Duration.ofMillis(1250), e.retryAfter());
    assertEquals("refused: TOO_MANY_REQUESTS", e.description());
    assertTrue(e.isNotApplied());
    assertEquals(1, server.service().get.requests().size());
  }

  @Test
  void aCommitOverTheQuotaIsQuotaExceededAndOtherExhaustionStaysPlain() {
    server.service().atomic.fail(exhausted("QUOTA_EXCEEDED", null))
        .fail(exhausted("TOO_MANY_REQUESTS", null))
        .fail(Status.Code.RESOURCE_EXHAUSTED, "Too many listeners");
    KvClient client = server.client();

    QuotaExceededException quota = assertThrows(QuotaExceededException.class,
        () -> client.set(Key.of("a"), KvValue.of("x")));
    assertEquals("QUOTA_EXCEEDED", quota.reason());
    assertTrue(quota.isNotApplied());
    TooManyRequestsException rate = assertThrows(TooManyRequestsException.class,
        () -> client.set(Key.of("a"), KvValue.of("x")));
    assertEquals(Duration.ZERO, rate.retryAfter());
    KvException plain = assertThrows(KvException.class,
        () -> client.set(Key.of("a"), KvValue.of("x")));
    assertEquals(KvException.class, plain.getClass());
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, plain.code());
  }

  @Test
  void getPastItsDeadlineFailsWithDeadlineExceeded() {
    server.service().get.hang();
    KvClient impatient = server.client().withDeadline(Duration.ofMillis(50));

    KvException e = assertThrows(KvException.class, () -> impatient.get(Key.of("a")));

    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.code());
    assertEquals(1, server.service().get.requests().size());
  }

  @Test
  void setAndDeleteShortcutsCommitOneMutation() {
    AtomicResponse ok = AtomicResponse.newBuilder().setOk(true)
        .setVersionstamp(ByteString.copyFrom(VS2.toBytes())).build();
    server.service().atomic.reply(ok).reply(ok).reply(ok);
    KvClient client = server.client();

    CommitResult set = client.set(Key.of("a"), KvValue.of("x"));
    client.set(Key.of("b"), KvValue.u64(1), Duration.ofSeconds(60));
    client.delete(Key.of("c"));

    assertTrue(set.ok());
    assertEquals(VS2, set.versionstamp());
    assertEquals(List.of(), set.failedChecks());
    List<Mutation> sent = server.service().atomic.requests().stream()
        .map(r -> {
          assertEquals(0, r.getChecksCount());
          assertEquals(1, r.getMutationsCount());
          return r.getMutations(0);
        })
        .toList();
    assertEquals(Mutation.OpCase.SET, sent.get(0).getOpCase());
    assertEquals("x", sent.get(0).getSet().getString());
    assertEquals(0, sent.get(0).getExpireInMs());
    assertEquals(1, sent.get(1).getSet().getU64());
    assertEquals(60_000, sent.get(1).getExpireInMs());
    assertEquals(Mutation.OpCase.DELETE, sent.get(2).getOpCase());
    assertEquals(ProtoMapping.toProto(Key.of("c")), sent.get(2).getKey());
  }

  @Test
  void builderRejectsNonsense() {
    assertThrows(IllegalArgumentException.class,
        () -> KvClient.builder(server.channel()).deadline(Duration.ZERO));
    assertThrows(IllegalArgumentException.class,
        () -> KvClient.builder(server.channel()).readAttempts(0));
    assertThrows(IllegalArgumentException.class,
        () -> KvClient.builder(server.channel()).readBackoff(Duration.ofMillis(-1)));
  }
}
