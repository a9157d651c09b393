package dev.atomkv.server.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.document.ProtoDocuments;
import dev.atomkv.server.engine.QueueDelivery;
import dev.atomkv.server.engine.QueueOutcome;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.Check;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.Condition;
import dev.atomkv.server.model.Enqueue;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.Filter;
import dev.atomkv.server.model.JsonValue;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.MergeCodec;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.MutationKind;
import dev.atomkv.server.model.Operator;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.ValueKind;
import dev.atomkv.server.model.ValueMerge;
import dev.atomkv.server.model.Versionstamp;
import dev.atomkv.server.model.Where;
import dev.atomkv.server.model.tenant.TenantKeys;
import dev.atomkv.server.raft.wire.QueueEntry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A request read back from a log entry is the request that was written. */
class EntryCodecTest {
  /** A merge of the test's own: appends its text. */
  record Append(String text) implements ValueMerge {
    @Override
    public Value apply(Value current) {
      return Value.string((current == null ? "" : new String(current.payload(),
          StandardCharsets.UTF_8)) + text);
    }
  }

  private static final MergeCodec APPEND = new MergeCodec() {
    @Override
    public String name() {
      return "append";
    }

    @Override
    public boolean handles(ValueMerge merge) {
      return merge instanceof Append;
    }

    @Override
    public byte[] encode(ValueMerge merge) {
      return ((Append) merge).text().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public ValueMerge decode(byte[] spec) {
      return new Append(new String(spec, StandardCharsets.UTF_8));
    }
  };

  private final EntryCodec codec = new EntryCodec(List.of(APPEND));

  @Test
  void everyCheckAndMutationRoundTripsAndTheLeadersTimeIsMergedIn() {
    Where open = new Where(new Filter(true, List.of(
        Condition.of("state", Operator.EQUAL_TO, List.of(new JsonValue.Str("open")), "w"),
        Condition.of("n", Operator.BETWEEN,
            List.of(new JsonValue.Num(1), new JsonValue.Num(2.5)), "w"))),
        ProtoDocuments.INSTANCE);
    AtomicWrite write = new AtomicWrite(
        List.of(Check.absent(bytes("a")), Check.versionstamp(bytes("b"), new Versionstamp(7, 2)),
            Check.where(bytes("c"), open)),
        List.of(new Mutation(bytes("s"), MutationKind.SET, new Value(ValueKind.JSON,
                ProtoDocuments.encode(new JsonValue.Str("x"))), 1234, true, open),
            Mutation.delete(bytes("d")),
            Mutation.arithmetic(bytes("n"), MutationKind.SUM, -1L),
            Mutation.arithmetic(bytes("n"), MutationKind.MIN, 3),
            Mutation.arithmetic(bytes("n"), MutationKind.MAX, 4),
            Mutation.merge(bytes("m"), Value.string("!"), new Append("!"))));

    byte[] proposal = codec.encode(write);
    byte[] entry = concat(proposal, EntryCodec.timeStamp(1_700_000_000_123_456L));
    EntryCodec.Decoded decoded = codec.decode(entry);

    assertEquals(1_700_000_000_123_456L, decoded.timeMicros());
    AtomicWrite back = decoded.write();
    assertEquals(3, back.checks().size());
    assertArrayEquals(bytes("a"), back.checks().get(0).key());
    assertNull(back.checks().get(0).expectedVersionstamp());
    assertNull(back.checks().get(0).where());
    assertEquals(new Versionstamp(7, 2), back.checks().get(1).expectedVersionstamp());
    assertEquals(open.filter(), back.checks().get(2).where().filter());
    for (int i = 0; i < write.mutations().size(); i++) {
      Mutation m = write.mutations().get(i);
      Mutation b = back.mutations().get(i);
      assertArrayEquals(m.key(), b.key());
      assertEquals(m.kind(), b.kind());
      assertEquals(m.value(), b.value());
      assertEquals(m.expiresAtMs(), b.expiresAtMs());
      assertEquals(m.versionstampSuffix(), b.versionstampSuffix());
      assertEquals(m.where() == null ? null : m.where().filter(),
          b.where() == null ? null : b.where().filter());
    }
    assertEquals(new Append("!"), back.mutations().get(5).merge());
  }

  @Test
  void answersRoundTripWhetherCommittedRefusedOrFailed() {
    CommitResult ok = CommitResult.committed(new Versionstamp(42, 0));
    assertEquals(ok, EntryCodec.result(EntryCodec.reply(ok)));
    CommitResult refused = CommitResult.failed(List.of(0, 2), List.of(1));
    assertEquals(refused, EntryCodec.result(EntryCodec.reply(refused)));
    KvException failed = assertThrows(KvException.class, () -> EntryCodec.result(
        EntryCodec.reply(new KvException(ErrorKind.FAILED_PRECONDITION, "not a u64"))));
    assertEquals(ErrorKind.FAILED_PRECONDITION, failed.kind());
    assertEquals("not a u64", failed.getMessage());
  }

  @Test
  void enqueuesTravelWithTheirWrite() {
    Enqueue withKeys = new Enqueue(Value.string("job"), 1_700_000_001_000L,
        List.of(bytes("dead/1"), bytes("dead/2")), new long[] {100, 1000});
    Enqueue noRetries = new Enqueue(new Value(ValueKind.BYTES, new byte[] {1, 2}), 5,
        List.of(), new long[0], "acme");
    AtomicWrite write = new AtomicWrite(List.of(), List.of(Mutation.delete(bytes("d"))),
        Long.MAX_VALUE, List.of(withKeys, noRetries));

    EntryCodec.Decoded back = codec.decode(concat(codec.encode(write),
        EntryCodec.timeStamp(9)));

    assertFalse(back.sweep());
    assertNull(back.queue());
    assertEquals(List.of(withKeys, noRetries), back.write().enqueues());
    assertEquals(TenantKeys.DEFAULT, back.write().enqueues().get(0).tenant());
    assertEquals("acme", back.write().enqueues().get(1).tenant());
  }

  @Test
  void queueOperationsRoundTripAndAreNotWritesOrSweeps() {
    EntryCodec.Decoded lease = codec.decode(concat(EntryCodec.encodeLease("acme", 7, 30_000),
        EntryCodec.timeStamp(11)));
    assertFalse(lease.sweep());
    assertNull(lease.write());
    assertEquals(7, lease.queue().getLease().getMax());
    assertEquals(30_000, lease.queue().getLease().getLeaseMs());
    assertEquals(11, lease.timeMicros());
    assertEquals("acme", EntryCodec.tenant(lease.queue().getLease().getTenant()));
    assertEquals(TenantKeys.DEFAULT, EntryCodec.tenant(codec.decode(EntryCodec.encodeLease(
        TenantKeys.DEFAULT, 1, 1)).queue().getLease().getTenant()));

    for (QueueOutcome outcome : QueueOutcome.values()) {
      QueueEntry settle = codec.decode(EntryCodec.encodeSettle("b", "3.ab", outcome)).queue();
      assertEquals("3.ab", settle.getSettle().getLeaseId());
      assertEquals("b", EntryCodec.tenant(settle.getSettle().getTenant()));
      assertEquals(outcome, EntryCodec.outcome(settle.getSettle()));
    }
    assertTrue(codec.decode(EntryCodec.encodeExpireLeases()).queue().getExpireLeases());
    assertTrue(codec.decode(EntryCodec.encodeRequeueLeases()).queue().getRequeueLeases());
  }

  @Test
  void aLeaseAnswerCarriesItsDeliveriesAndItsIndexAndAFailedSettleItsError() {
    List<QueueDelivery> deliveries = List.of(
        new QueueDelivery("5.01", Value.string("a"), 1, 1234, new Versionstamp(9, 0)),
        new QueueDelivery("5.02", Value.u64(3), 2, 1234, new Versionstamp(9, 1)));
    EntryCodec.Leased back = EntryCodec.leased(EntryCodec.leased(deliveries, 5));
    assertEquals(deliveries, back.deliveries());
    assertEquals(5, back.leaseIndex());

    EntryCodec.check(EntryCodec.SWEPT);
    KvException ended = assertThrows(KvException.class,
        () -> EntryCodec.check(EntryCodec.reply(QueueDelivery.leaseEnded())));
    assertEquals(ErrorKind.FAILED_PRECONDITION, ended.kind());
    assertTrue(ended.getMessage().startsWith("Queue message not found"), ended.getMessage());
  }

  @Test
  void anEntryOfSeveralRequestsKeepsTheirOrderAndTheLeadersTime() {
    AtomicWrite first = new AtomicWrite(List.of(Check.absent(bytes("a"))),
        List.of(Mutation.set(bytes("a"), Value.string("1"))));
    AtomicWrite second = new AtomicWrite(List.of(),
        List.of(Mutation.arithmetic(bytes("n"), MutationKind.SUM, 5L)));
    byte[] proposal = EntryCodec.encodeBatch(
        List.of(codec.encodeWrite(first), codec.encodeWrite(second)));
    EntryCodec.Decoded decoded =
        codec.decode(concat(proposal, EntryCodec.timeStamp(1_700_000_000_000_001L)));

    assertNull(decoded.write());
    assertTrue(!decoded.sweep());
    assertEquals(1_700_000_000_000_001L, decoded.timeMicros());
    assertEquals(2, decoded.writes().size());
    assertArrayEquals(bytes("a"), decoded.writes().get(0).checks().get(0).key());
    assertEquals(Value.string("1"), decoded.writes().get(0).mutations().get(0).value());
    assertEquals(MutationKind.SUM, decoded.writes().get(1).mutations().get(0).kind());
  }

  @Test
  void anEntryOfOneRequestIsWrittenAsASingleRequest() {
    AtomicWrite only = new AtomicWrite(List.of(),
        List.of(Mutation.set(bytes("k"), Value.string("v"))));
    assertArrayEquals(codec.encode(only),
        EntryCodec.encodeBatch(List.of(codec.encodeWrite(only))));
    assertTrue(codec.decode(codec.encode(only)).writes().isEmpty());
  }

  @Test
  void theRepliesOfAnEntryOfSeveralComeBackInOrder() {
    CommitResult ok = CommitResult.committed(new Versionstamp(42, 0));
    CommitResult refused = CommitResult.failed(List.of(0), List.of());
    KvException failed = new KvException(ErrorKind.RESOURCE_EXHAUSTED, "database is full");
    var replies = EntryCodec.results(EntryCodec.replies(List.of(ok, failed, refused)));

    assertEquals(3, replies.size());
    assertEquals(ok, EntryCodec.result(replies.get(0)));
    KvException back = assertThrows(KvException.class, () -> EntryCodec.result(replies.get(1)));
    assertEquals(ErrorKind.RESOURCE_EXHAUSTED, back.kind());
    assertEquals("database is full", back.getMessage());
    assertEquals(refused, EntryCodec.result(replies.get(2)));
  }

  @Test
  void aSingleFailureReplyReadsAsNoRepliesOfSeveral() {
    // What a proposer of several requests gets when the entry failed as a whole.
    byte[] whole = EntryCodec.reply(new KvException(ErrorKind.UNAVAILABLE, "outcome unknown"));
    assertTrue(EntryCodec.results(whole).isEmpty());
  }

  @Test
  void aMergeNoCodecKnowsCannotBeProposed() {
    AtomicWrite write = new AtomicWrite(List.of(),
        List.of(Mutation.merge(bytes("m"), Value.string("x"), current -> current)));
    KvException e = assertThrows(KvException.class, () -> codec.encode(write));
    assertEquals(ErrorKind.INTERNAL, e.kind());
    assertTrue(e.getMessage().startsWith("no codec for a merge"), e.getMessage());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
