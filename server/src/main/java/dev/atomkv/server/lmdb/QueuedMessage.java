package dev.atomkv.server.lmdb;

import dev.atomkv.server.engine.QueueDelivery;
import dev.atomkv.server.model.Enqueue;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.ValueKind;
import dev.atomkv.server.model.Versionstamp;
import dev.atomkv.server.model.tenant.TenantKeys;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A message as the queue tables hold it.
 *
 * @param id the enqueuing commit's versionstamp (10 bytes) then the enqueue's index in its request
 *     (2 bytes): unique, and in enqueue order
 * @param readyAtMs when it may be delivered next
 * @param deliveries how often it has been handed to a listener so far
 * @param backoffMs the waits still left for redeliveries, first the next one
 * @param lease the replicated lease it is in flight under; null when waiting, and always on a
 *     single node (whose leases live in memory)
 * @param tenant whose queue it is in
 */
record QueuedMessage(byte[] id, long readyAtMs, int deliveries, Value payload,
    List<byte[]> keysIfUndelivered, long[] backoffMs, Lease lease, String tenant) {
  static final int ID_LENGTH = Versionstamp.LENGTH + Short.BYTES;
  private static final byte FORMAT = 1;
  /** Format 1 followed by the lease: written for replicated leases only. */
  private static final byte FORMAT_LEASED = 2;
  private static final char LEASE_ID_SEPARATOR = '.';

  /**
   * A lease taken by a replicated log entry: named by that entry's log index, which no later
   * entry shares, so a lease id from before a requeue never settles the message's next lease.
   */
  record Lease(long index, long expiresAtMs) {}

  QueuedMessage(byte[] id, long readyAtMs, int deliveries, Value payload,
      List<byte[]> keysIfUndelivered, long[] backoffMs) {
    this(id, readyAtMs, deliveries, payload, keysIfUndelivered, backoffMs, null,
        TenantKeys.DEFAULT);
  }

  QueuedMessage(byte[] id, long readyAtMs, int deliveries, Value payload,
      List<byte[]> keysIfUndelivered, long[] backoffMs, Lease lease) {
    this(id, readyAtMs, deliveries, payload, keysIfUndelivered, backoffMs, lease,
        TenantKeys.DEFAULT);
  }

  /** The lease id a listener acks with: {@code <log index hex>.<message id hex>}. */
  String leaseId() {
    return Long.toHexString(lease.index()) + LEASE_ID_SEPARATOR + HexFormat.of().formatHex(id);
  }

  /** This message as its listener receives it, under its replicated lease. */
  QueueDelivery delivery() {
    return new QueueDelivery(leaseId(), payload, deliveries, lease.expiresAtMs(), versionstamp());
  }

  /** The message id and lease index a {@link #leaseId()} names; null when it is not one. */
  static Map.Entry<byte[], Long> parseLeaseId(String leaseId) {
    int dot = leaseId.indexOf(LEASE_ID_SEPARATOR);
    if (dot <= 0 || leaseId.length() - dot - 1 != 2 * ID_LENGTH) {
      return null;
    }
    try {
      long index = Long.parseUnsignedLong(leaseId.substring(0, dot), 16);
      return Map.entry(HexFormat.of().parseHex(leaseId, dot + 1, leaseId.length()), index);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** In flight under {@code lease}, its delivery counted. */
  QueuedMessage leased(Lease lease) {
    return new QueuedMessage(id, readyAtMs, deliveries + 1, payload, keysIfUndelivered, backoffMs,
        lease, tenant);
  }

  static QueuedMessage enqueued(Versionstamp vs, int index, Enqueue e) {
    byte[] id = ByteBuffer.allocate(ID_LENGTH).put(vs.toBytes()).putShort((short) index).array();
    return new QueuedMessage(id, e.readyAtMs(), 0, e.payload(), e.keysIfUndelivered(),
        e.backoffScheduleMs(), null, e.tenant());
  }

  Versionstamp versionstamp() {
    return Versionstamp.fromBytes(Arrays.copyOf(id, Versionstamp.LENGTH));
  }

  QueuedMessage delivered() {
    return new QueuedMessage(id, readyAtMs, deliveries + 1, payload, keysIfUndelivered, backoffMs,
        null, tenant);
  }

  /** Ready again at {@code readyAtMs}, having delivered it once less (an attempt not counted). */
  QueuedMessage undelivered(long readyAtMs) {
    return new QueuedMessage(id, readyAtMs, Math.max(0, deliveries - 1), payload,
        keysIfUndelivered, backoffMs, null, tenant);
  }

  /** After a failure: ready after the next interval, which leaves the schedule. */
  QueuedMessage retried(long nowMs) {
    return new QueuedMessage(id, nowMs + backoffMs[0], deliveries, payload, keysIfUndelivered,
        Arrays.copyOfRange(backoffMs, 1, backoffMs.length), null, tenant);
  }

  boolean canRetry() {
    return backoffMs.length > 0;
  }

  /**
   * {@code [format:1][deliveries:4][kind:1][len:4][payload][n:1]([len:2][key])*[n:1]([ms:8])*},
   * then {@code [leaseIndex:8][leaseExpiresAtMs:8]} in format 2, then, for a tenant other than
   * the default, {@code [n:1][tenant name]} (so the default tenant's records are as they were
   * before tenants had queues).
   */
  byte[] record() {
    byte[] name = TenantKeys.DEFAULT.equals(tenant) ? null
        : tenant.getBytes(StandardCharsets.US_ASCII);
    int size = 1 + 4 + 1 + 4 + payload.payload().length + 1 + 1 + 8 * backoffMs.length
        + (lease == null ? 0 : 16) + (name == null ? 0 : 1 + name.length);
    for (byte[] k : keysIfUndelivered) {
      size += 2 + k.length;
    }
    ByteBuffer b = ByteBuffer.allocate(size)
        .put(lease == null ? FORMAT : FORMAT_LEASED)
        .putInt(deliveries)
        .put((byte) payload.kind().code())
        .putInt(payload.payload().length)
        .put(payload.payload())
        .put((byte) keysIfUndelivered.size());
    for (byte[] k : keysIfUndelivered) {
      b.putShort((short) k.length).put(k);
    }
    b.put((byte) backoffMs.length);
    for (long ms : backoffMs) {
      b.putLong(ms);
    }
    if (lease != null) {
      b.putLong(lease.index()).putLong(lease.expiresAtMs());
    }
    if (name != null) {
      b.put((byte) name.length).put(name);
    }
    return b.array();
  }

  static QueuedMessage decode(byte[] id, long readyAtMs, byte[] record) {
    ByteBuffer b = ByteBuffer.wrap(record);
    byte format = b.get();
    if (format != FORMAT && format != FORMAT_LEASED) {
      throw new IllegalStateException("unknown queue record format " + format);
    }
    int deliveries = b.getInt();
    ValueKind kind = ValueKind.fromCode(b.get());
    byte[] payload = new byte[b.getInt()];
    b.get(payload);
    int keyCount = Byte.toUnsignedInt(b.get());
    List<byte[]> keys = new ArrayList<>(keyCount);
    for (int i = 0; i < keyCount; i++) {
      byte[] k = new byte[Short.toUnsignedInt(b.getShort())];
      b.get(k);
      keys.add(k);
    }
    long[] backoff = new long[Byte.toUnsignedInt(b.get())];
    for (int i = 0; i < backoff.length; i++) {
      backoff[i] = b.getLong();
    }
    Lease lease = format == FORMAT_LEASED ? new Lease(b.getLong(), b.getLong()) : null;
    String tenant = TenantKeys.DEFAULT;
    if (b.hasRemaining()) {
      byte[] name = new byte[Byte.toUnsignedInt(b.get())];
      b.get(name);
      tenant = new String(name, StandardCharsets.US_ASCII);
    }
    return new QueuedMessage(id, readyAtMs, deliveries, new Value(kind, payload), keys, backoff,
        lease, tenant);
  }
}
