package dev.atomkv.server.lmdb;

import dev.atomkv.server.model.Enqueue;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.ValueKind;
import dev.atomkv.server.model.Versionstamp;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A message as the queue tables hold it.
 *
 * @param id the enqueuing commit's versionstamp (10 bytes) then the enqueue's index in its request
 *     (2 bytes): unique, and in enqueue order
 * @param readyAtMs when it may be delivered next
 * @param deliveries how often it has been handed to a listener so far
 * @param backoffMs the waits still left for redeliveries, first the next one
 */
record QueuedMessage(byte[] id, long readyAtMs, int deliveries, Value payload,
    List<byte[]> keysIfUndelivered, long[] backoffMs) {
  static final int ID_LENGTH = Versionstamp.LENGTH + Short.BYTES;
  private static final byte FORMAT = 1;

  static QueuedMessage enqueued(Versionstamp vs, int index, Enqueue e) {
    byte[] id = ByteBuffer.allocate(ID_LENGTH).put(vs.toBytes()).putShort((short) index).array();
    return new QueuedMessage(id, e.readyAtMs(), 0, e.payload(), e.keysIfUndelivered(),
        e.backoffScheduleMs());
  }

  Versionstamp versionstamp() {
    return Versionstamp.fromBytes(Arrays.copyOf(id, Versionstamp.LENGTH));
  }

  QueuedMessage delivered() {
    return new QueuedMessage(id, readyAtMs, deliveries + 1, payload, keysIfUndelivered, backoffMs);
  }

  /** Ready again at {@code readyAtMs}, having delivered it once less (an attempt not counted). */
  QueuedMessage undelivered(long readyAtMs) {
    return new QueuedMessage(id, readyAtMs, Math.max(0, deliveries - 1), payload,
        keysIfUndelivered, backoffMs);
  }

  /** After a failure: ready after the next interval, which leaves the schedule. */
  QueuedMessage retried(long nowMs) {
    return new QueuedMessage(id, nowMs + backoffMs[0], deliveries, payload, keysIfUndelivered,
        Arrays.copyOfRange(backoffMs, 1, backoffMs.length));
  }

  boolean canRetry() {
    return backoffMs.length > 0;
  }

  /** {@code [format:1][deliveries:4][kind:1][len:4][payload][n:1]([len:2][key])*[n:1]([ms:8])*}. */
  byte[] record() {
    int size = 1 + 4 + 1 + 4 + payload.payload().length + 1 + 1 + 8 * backoffMs.length;
    for (byte[] k : keysIfUndelivered) {
      size += 2 + k.length;
    }
    ByteBuffer b = ByteBuffer.allocate(size)
        .put(FORMAT)
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
    return b.array();
  }

  static QueuedMessage decode(byte[] id, long readyAtMs, byte[] record) {
    ByteBuffer b = ByteBuffer.wrap(record);
    byte format = b.get();
    if (format != FORMAT) {
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
    return new QueuedMessage(id, readyAtMs, deliveries, new Value(kind, payload), keys, backoff);
  }
}
