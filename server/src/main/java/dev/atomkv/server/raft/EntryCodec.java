package dev.atomkv.server.raft;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
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
import dev.atomkv.server.model.Versionstamp;
import dev.atomkv.server.model.Where;
import dev.atomkv.server.model.tenant.TenantKeys;
import dev.atomkv.server.raft.wire.AtomicWriteEntry;
import dev.atomkv.server.raft.wire.CheckEntry;
import dev.atomkv.server.raft.wire.ConditionEntry;
import dev.atomkv.server.raft.wire.DeliveryEntry;
import dev.atomkv.server.raft.wire.EnqueueEntry;
import dev.atomkv.server.raft.wire.FilterEntry;
import dev.atomkv.server.raft.wire.LeaseEntry;
import dev.atomkv.server.raft.wire.LogEntry;
import dev.atomkv.server.raft.wire.MutationEntry;
import dev.atomkv.server.raft.wire.QueueEntry;
import dev.atomkv.server.raft.wire.Replies;
import dev.atomkv.server.raft.wire.Reply;
import dev.atomkv.server.raft.wire.SettleEntry;
import dev.atomkv.server.raft.wire.ValueEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Requests and their answers as the replicated log carries them ({@code raft/entry.proto}). A
 * request is validated before it is encoded; decoding trusts what a member of the cluster wrote.
 */
final class EntryCodec {
  static final int FORMAT = 1;

  private final List<MergeCodec> merges;

  EntryCodec(List<MergeCodec> merges) {
    this.merges = List.copyOf(merges);
  }

  /** What a member proposes: the request, without the time (the leader adds it). */
  byte[] encode(AtomicWrite write) {
    return LogEntry.newBuilder().setFormat(FORMAT).setWrite(encodeWrite(write)).build()
        .toByteArray();
  }

  /**
   * What a member proposes for several requests at once (one alone goes as {@link #encode}
   * writes it): applied in order, answered with one reply each.
   */
  static byte[] encodeBatch(List<AtomicWriteEntry> writes) {
    LogEntry.Builder b = LogEntry.newBuilder().setFormat(FORMAT);
    if (writes.size() == 1) {
      b.setWrite(writes.get(0));
    } else {
      b.addAllWrites(writes);
    }
    return b.build().toByteArray();
  }

  /** One request as an entry of several carries it. */
  AtomicWriteEntry encodeWrite(AtomicWrite write) {
    AtomicWriteEntry.Builder b = AtomicWriteEntry.newBuilder();
    for (Check c : write.checks()) {
      CheckEntry.Builder check = CheckEntry.newBuilder().setKey(ByteString.copyFrom(c.key()));
      if (c.where() != null) {
        check.setWhere(filter(c.where().filter()));
      } else if (c.expectedVersionstamp() != null) {
        check.setVersionstamp(ByteString.copyFrom(c.expectedVersionstamp().toBytes()));
      } else {
        check.setAbsent(true);
      }
      b.addChecks(check);
    }
    for (Mutation m : write.mutations()) {
      b.addMutations(mutation(m));
    }
    for (Enqueue q : write.enqueues()) {
      EnqueueEntry.Builder e = EnqueueEntry.newBuilder().setPayload(value(q.payload()))
          .setReadyAtMs(q.readyAtMs());
      q.keysIfUndelivered().forEach(k -> e.addKeysIfUndelivered(ByteString.copyFrom(k)));
      Arrays.stream(q.backoffScheduleMs()).forEach(e::addBackoffMs);
      e.setTenant(tenantField(q.tenant()));
      b.addEnqueues(e);
    }
    return b.build();
  }

  /** A sweep of expired keys, as the leader proposes it. */
  static byte[] encodeSweep() {
    return LogEntry.newBuilder().setFormat(FORMAT).setSweep(true).build().toByteArray();
  }

  /**
   * A member's request for up to {@code max} ready queue messages of {@code tenant} for its
   * listeners.
   */
  static byte[] encodeLease(String tenant, int max, long leaseMs) {
    return queue(QueueEntry.newBuilder().setLease(LeaseEntry.newBuilder().setMax(max)
        .setLeaseMs(leaseMs).setTenant(tenantField(tenant))).build());
  }

  static byte[] encodeSettle(String tenant, String leaseId, QueueOutcome outcome) {
    return queue(QueueEntry.newBuilder().setSettle(SettleEntry.newBuilder().setLeaseId(leaseId)
        .setOutcome(SettleEntry.Outcome.valueOf("OUTCOME_" + outcome.name()))
        .setTenant(tenantField(tenant))).build());
  }

  /** The tenant a queue field names: empty (entries older than tenants' queues) is the default. */
  static String tenant(String field) {
    return field.isEmpty() ? TenantKeys.DEFAULT : field;
  }

  private static String tenantField(String tenant) {
    return TenantKeys.DEFAULT.equals(tenant) ? "" : tenant;
  }

  /** A deleted tenant's: drop every message of its queue. */
  static byte[] encodeDropTenantQueue(String tenant) {
    return queue(QueueEntry.newBuilder().setDropTenantQueue(tenant).build());
  }

  /** The leader's: end the leases expired at the entry's time. */
  static byte[] encodeExpireLeases() {
    return queue(QueueEntry.newBuilder().setExpireLeases(true).build());
  }

  /** A new leader's: make every message in flight ready again. */
  static byte[] encodeRequeueLeases() {
    return queue(QueueEntry.newBuilder().setRequeueLeases(true).build());
  }

  private static byte[] queue(QueueEntry q) {
    return LogEntry.newBuilder().setFormat(FORMAT).setQueue(q).build().toByteArray();
  }

  static QueueOutcome outcome(SettleEntry s) {
    return QueueOutcome.valueOf(s.getOutcome().name().substring("OUTCOME_".length()));
  }

  /** The bytes the leader appends to a proposal: protobuf merges them into its time field. */
  static byte[] timeStamp(long timeMicros) {
    return LogEntry.newBuilder().setTimeMicros(timeMicros).build().toByteArray();
  }

  /**
   * A log entry's content and its time: {@code write} for an entry of one request, {@code writes}
   * (and a null {@code write}) for an entry of several, {@code queue} for a queue operation, none
   * of them for a sweep.
   */
  record Decoded(AtomicWrite write, QueueEntry queue, long timeMicros, List<AtomicWrite> writes) {
    Decoded(AtomicWrite write, QueueEntry queue, long timeMicros) {
      this(write, queue, timeMicros, List.of());
    }

    boolean sweep() {
      return write == null && queue == null && writes.isEmpty();
    }
  }

  Decoded decode(byte[] entry) {
    LogEntry e;
    try {
      e = LogEntry.parseFrom(entry);
    } catch (InvalidProtocolBufferException ex) {
      throw new KvException(ErrorKind.INTERNAL, "unreadable log entry", ex);
    }
    if (e.getFormat() != FORMAT) {
      throw new KvException(ErrorKind.INTERNAL, "log entry of unknown format " + e.getFormat());
    }
    if (e.getSweep()) {
      return new Decoded(null, null, e.getTimeMicros());
    }
    if (e.hasQueue()) {
      return new Decoded(null, e.getQueue(), e.getTimeMicros());
    }
    if (e.getWritesCount() > 0) {
      List<AtomicWrite> writes = new ArrayList<>(e.getWritesCount());
      for (AtomicWriteEntry w : e.getWritesList()) {
        writes.add(write(w));
      }
      return new Decoded(null, null, e.getTimeMicros(), writes);
    }
    return new Decoded(write(e.getWrite()), null, e.getTimeMicros());
  }

  private AtomicWrite write(AtomicWriteEntry w) {
    List<Check> checks = new ArrayList<>();
    for (CheckEntry c : w.getChecksList()) {
      byte[] key = c.getKey().toByteArray();
      checks.add(switch (c.getExpectCase()) {
        case VERSIONSTAMP -> Check.versionstamp(key,
            Versionstamp.fromBytes(c.getVersionstamp().toByteArray()));
        case WHERE -> Check.where(key, where(c.getWhere()));
        default -> Check.absent(key);
      });
    }
    List<Mutation> mutations = new ArrayList<>();
    for (MutationEntry m : w.getMutationsList()) {
      mutations.add(mutation(m));
    }
    List<Enqueue> enqueues = new ArrayList<>();
    for (EnqueueEntry q : w.getEnqueuesList()) {
      enqueues.add(new Enqueue(value(q.getPayload()), q.getReadyAtMs(),
          q.getKeysIfUndeliveredList().stream().map(ByteString::toByteArray).toList(),
          q.getBackoffMsList().stream().mapToLong(Long::longValue).toArray(),
          tenant(q.getTenant())));
    }
    return new AtomicWrite(checks, mutations, Long.MAX_VALUE, enqueues);
  }

  static byte[] reply(CommitResult result) {
    return replyOf(result).toByteArray();
  }

  private static Reply replyOf(CommitResult result) {
    Reply.Builder b = Reply.newBuilder().setOk(result.ok())
        .addAllFailedChecks(result.failedChecks())
        .addAllFailedConditions(result.failedConditions());
    if (result.versionstamp() != null) {
      b.setVersionstamp(ByteString.copyFrom(result.versionstamp().toBytes()));
    }
    return b.build();
  }

  /** A sweep's or a queue entry's answer: nothing the proposer needs beyond its success. */
  static final byte[] SWEPT = Reply.newBuilder().setOk(true).build().toByteArray();

  static byte[] reply(KvException failure) {
    return replyOf(failure).toByteArray();
  }

  private static Reply replyOf(KvException failure) {
    return Reply.newBuilder().setErrorKind(failure.kind().name())
        .setErrorMessage(failure.getMessage()).build();
  }

  /**
   * The answer of an entry of several requests, in their order: each a {@link CommitResult} or
   * the {@link KvException} it failed with.
   */
  static byte[] replies(List<Object> outcomes) {
    Replies.Builder b = Replies.newBuilder();
    for (Object o : outcomes) {
      b.addReplies(o instanceof KvException e ? replyOf(e) : replyOf((CommitResult) o));
    }
    return b.build().toByteArray();
  }

  /**
   * The answer of an applied entry.
   *
   * @throws KvException the request's failure, as the applying member gave it
   */
  static CommitResult result(byte[] reply) {
    return result(parse(reply));
  }

  /**
   * A reply that carries nothing but success or the failure.
   *
   * @throws KvException the failure, as the applying member gave it
   */
  static void check(byte[] reply) {
    parse(reply);
  }

  /** A lease entry's answer: the messages it leased, and its log index (which names them). */
  static byte[] leased(List<QueueDelivery> deliveries, long leaseIndex) {
    Reply.Builder b = Reply.newBuilder().setOk(true).setLeaseIndex(leaseIndex);
    for (QueueDelivery d : deliveries) {
      b.addDeliveries(DeliveryEntry.newBuilder().setLeaseId(d.leaseId())
          .setPayload(value(d.payload())).setAttempt(d.attempt())
          .setLeaseExpiresAtMs(d.leaseExpiresAtMs())
          .setVersionstamp(ByteString.copyFrom(d.versionstamp().toBytes())));
    }
    return b.build().toByteArray();
  }

  /** What a lease entry leased ({@link #leased}). */
  record Leased(List<QueueDelivery> deliveries, long leaseIndex) {}

  static Leased leased(byte[] reply) {
    Reply r = parse(reply);
    List<QueueDelivery> deliveries = new ArrayList<>(r.getDeliveriesCount());
    for (DeliveryEntry d : r.getDeliveriesList()) {
      deliveries.add(new QueueDelivery(d.getLeaseId(), value(d.getPayload()), d.getAttempt(),
          d.getLeaseExpiresAtMs(), Versionstamp.fromBytes(d.getVersionstamp().toByteArray())));
    }
    return new Leased(deliveries, r.getLeaseIndex());
  }

  private static Reply parse(byte[] reply) {
    Reply r;
    try {
      r = Reply.parseFrom(reply);
    } catch (InvalidProtocolBufferException e) {
      throw new KvException(ErrorKind.INTERNAL, "unreadable reply from the cluster", e);
    }
    return failure(r);
  }

  /**
   * The reply itself, when it is no failure.
   *
   * @throws KvException the failure, as the applying member gave it
   */
  private static Reply failure(Reply r) {
    if (!r.getErrorKind().isEmpty()) {
      throw new KvException(ErrorKind.valueOf(r.getErrorKind()), r.getErrorMessage());
    }
    return r;
  }

  /** The answers of an entry of several requests, in order; each completes as its reply says. */
  static List<Reply> results(byte[] replies) {
    try {
      return Replies.parseFrom(replies).getRepliesList();
    } catch (InvalidProtocolBufferException e) {
      throw new KvException(ErrorKind.INTERNAL, "unreadable reply from the cluster", e);
    }
  }

  /**
   * One request's answer.
   *
   * @throws KvException the request's failure, as the applying member gave it
   */
  static CommitResult result(Reply reply) {
    Reply r = failure(reply);
    if (!r.getOk()) {
      return CommitResult.failed(r.getFailedChecksList(), r.getFailedConditionsList());
    }
    return CommitResult.committed(Versionstamp.fromBytes(r.getVersionstamp().toByteArray()));
  }

  private static ValueEntry value(Value v) {
    return ValueEntry.newBuilder().setKind(v.kind().code())
        .setPayload(ByteString.copyFrom(v.payload())).build();
  }

  private static Value value(ValueEntry v) {
    return new Value(ValueKind.fromCode(v.getKind()), v.getPayload().toByteArray());
  }

  // ---- mutations -------------------------------------------------------------------------------

  private MutationEntry mutation(Mutation m) {
    MutationEntry.Builder b = MutationEntry.newBuilder()
        .setKey(ByteString.copyFrom(m.key()))
        .setKind(MutationEntry.Kind.valueOf("KIND_" + m.kind().name()))
        .setExpiresAtMs(m.expiresAtMs())
        .setVersionstampSuffix(m.versionstampSuffix());
    if (m.value() != null) {
      b.setValue(value(m.value()));
    }
    if (m.where() != null) {
      b.setWhere(filter(m.where().filter()));
    }
    if (m.merge() != null) {
      MergeCodec codec = merges.stream().filter(c -> c.handles(m.merge())).findFirst()
          .orElseThrow(() -> new KvException(ErrorKind.INTERNAL,
              "no codec for a merge of " + m.merge().getClass().getSimpleName()));
      b.setMergeCodec(codec.name()).setMergeSpec(ByteString.copyFrom(codec.encode(m.merge())));
    }
    return b.build();
  }

  private Mutation mutation(MutationEntry m) {
    MutationKind kind = MutationKind.valueOf(m.getKind().name().substring("KIND_".length()));
    Value value = m.hasValue() ? value(m.getValue()) : null;
    Where where = m.hasWhere() ? where(m.getWhere()) : null;
    dev.atomkv.server.model.ValueMerge merge = null;
    if (kind == MutationKind.MERGE) {
      MergeCodec codec = merges.stream().filter(c -> c.name().equals(m.getMergeCodec()))
          .findFirst().orElseThrow(() -> new KvException(ErrorKind.INTERNAL,
              "log entry names an unknown merge codec " + m.getMergeCodec()));
      merge = codec.decode(m.getMergeSpec().toByteArray());
    }
    return new Mutation(m.getKey().toByteArray(), kind, value, m.getExpiresAtMs(),
        m.getVersionstampSuffix(), where, merge);
  }

  // ---- filters ---------------------------------------------------------------------------------

  private static FilterEntry filter(Filter f) {
    FilterEntry.Builder b = FilterEntry.newBuilder().setAny(f.any());
    for (Condition c : f.conditions()) {
      ConditionEntry.Builder ce = ConditionEntry.newBuilder().addAllPath(c.path())
          .setOp(c.op().name());
      for (JsonValue v : c.values()) {
        ce.addValues(ByteString.copyFrom(ProtoDocuments.encode(v)));
      }
      b.addConditions(ce);
    }
    return b.build();
  }

  private static Where where(FilterEntry f) {
    List<Condition> conditions = new ArrayList<>();
    for (ConditionEntry c : f.getConditionsList()) {
      List<JsonValue> values = new ArrayList<>();
      for (ByteString v : c.getValuesList()) {
        values.add(ProtoDocuments.INSTANCE.decode(v.toByteArray()));
      }
      conditions.add(new Condition(c.getPathList(), Operator.valueOf(c.getOp()), values));
    }
    return new Where(new Filter(f.getAny(), conditions), ProtoDocuments.INSTANCE);
  }
}
