package dev.atomkv.server.lmdb;

import dev.atomkv.server.engine.ProposalId;
import dev.atomkv.server.engine.ReplicaStore;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Versionstamp;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.lmdbjava.Txn;

/**
 * The {@code proposals} table: the replicated proposals this store applied, with what each of
 * their requests came to, so that a second copy of a proposal in the log is answered as the
 * first was and not applied again.
 *
 * <ul>
 *   <li>{@code 'p' ‖ proposerHigh:8 ‖ proposerLow:8 ‖ call:8} →
 *       {@code [entryTimeMicros:8][outcomes]}
 *   <li>{@code 't' ‖ entryTimeMicros:8 BE ‖ proposerHigh ‖ proposerLow ‖ call} → empty: the order
 *       in which they are forgotten
 * </ul>
 *
 * <p>Both are written in the transaction that stores the entry's position, and forgotten by entry
 * time, never by the replica's clock: every replica remembers the same proposals.
 */
final class ProposalTable {
  private static final byte BY_ID = 'p';
  private static final byte BY_TIME = 't';
  private static final int ID_BYTES = 3 * Long.BYTES;
  /** Longest error message kept; the rest of a longer one is cut. */
  private static final int MAX_MESSAGE_CHARS = 1000;

  private static final byte COMMITTED = 0;
  private static final byte REFUSED = 1;
  private static final byte FAILED = 2;

  private final LongKeyTable table;

  ProposalTable(LongKeyTable table) {
    this.table = table;
  }

  /** What the requests of {@code id}'s entry came to, or null when it was never applied. */
  List<RequestOutcome> find(Txn<byte[]> txn, ProposalId id) {
    byte[] v = table.get(txn, byId(id));
    return v == null ? null : decode(v);
  }

  /**
   * Remembers the proposals of a batch, then forgets up to {@code 2 × proposals + 1} of those
   * older than {@link ReplicaStore#PROPOSALS_KEPT_MICROS} before the newest entry time among
   * them: a batch forgets more than it adds while any are due, and never does unbounded work.
   */
  void record(Txn<byte[]> txn, Map<ProposalId, Recorded> proposals) {
    long newest = Long.MIN_VALUE;
    for (Map.Entry<ProposalId, Recorded> e : proposals.entrySet()) {
      long time = e.getValue().entryTimeMicros();
      table.put(txn, byId(e.getKey()), encode(time, e.getValue().outcomes()));
      table.put(txn, byTime(time, e.getKey()), new byte[0]);
      newest = Math.max(newest, time);
    }
    forgetBefore(txn, newest - ReplicaStore.PROPOSALS_KEPT_MICROS, 2 * proposals.size() + 1);
  }

  private void forgetBefore(Txn<byte[]> txn, long cutoffMicros, int max) {
    List<byte[]> due = new ArrayList<>();
    try (TableCursor c = table.cursor(txn)) {
      for (boolean on = c.seekGE(new byte[] {BY_TIME}); on && due.size() < max; on = c.next()) {
        byte[] key = c.key();
        if (key[0] != BY_TIME || ByteBuffer.wrap(key, 1, Long.BYTES).getLong() >= cutoffMicros) {
          break;
        }
        due.add(key);
      }
    }
    for (byte[] key : due) {
      table.delete(txn, key);
      byte[] id = new byte[1 + ID_BYTES];
      id[0] = BY_ID;
      System.arraycopy(key, 1 + Long.BYTES, id, 1, ID_BYTES);
      table.delete(txn, id);
    }
  }

  /** A proposal applied in a batch not yet committed. */
  record Recorded(long entryTimeMicros, List<RequestOutcome> outcomes) {}

  private static byte[] byId(ProposalId id) {
    return ByteBuffer.allocate(1 + ID_BYTES).put(BY_ID).putLong(id.proposerHigh())
        .putLong(id.proposerLow()).putLong(id.call()).array();
  }

  private static byte[] byTime(long timeMicros, ProposalId id) {
    // Entry times are microseconds since the epoch, never negative: big-endian sorts them.
    return ByteBuffer.allocate(1 + Long.BYTES + ID_BYTES).put(BY_TIME).putLong(timeMicros)
        .putLong(id.proposerHigh()).putLong(id.proposerLow()).putLong(id.call()).array();
  }

  private static byte[] encode(long entryTimeMicros, List<RequestOutcome> outcomes) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeLong(entryTimeMicros);
      out.writeInt(outcomes.size());
      for (RequestOutcome o : outcomes) {
        if (o.failure() != null) {
          out.writeByte(FAILED);
          out.writeUTF(o.failure().kind().name());
          String message = String.valueOf(o.failure().getMessage());
          out.writeUTF(message.length() > MAX_MESSAGE_CHARS
              ? message.substring(0, MAX_MESSAGE_CHARS) : message);
        } else if (o.result().ok()) {
          out.writeByte(COMMITTED);
          out.write(o.result().versionstamp().toBytes());
        } else {
          out.writeByte(REFUSED);
          writeInts(out, o.result().failedChecks());
          writeInts(out, o.result().failedConditions());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static List<RequestOutcome> decode(byte[] record) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(record))) {
      in.readLong(); // the entry time: the by-time key holds it for forgetting
      int n = in.readInt();
      List<RequestOutcome> outcomes = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        byte tag = in.readByte();
        switch (tag) {
          case COMMITTED -> {
            byte[] vs = new byte[Versionstamp.LENGTH];
            in.readFully(vs);
            outcomes.add(RequestOutcome.of(CommitResult.committed(Versionstamp.fromBytes(vs))));
          }
          case REFUSED -> outcomes.add(
              RequestOutcome.of(CommitResult.failed(readInts(in), readInts(in))));
          case FAILED -> outcomes.add(RequestOutcome.failed(
              new KvException(ErrorKind.valueOf(in.readUTF()), in.readUTF())));
          default -> throw new IllegalStateException("unknown proposal outcome tag " + tag);
        }
      }
      return outcomes;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeInts(DataOutputStream out, List<Integer> values) throws IOException {
    out.writeInt(values.size());
    for (int v : values) {
      out.writeInt(v);
    }
  }

  private static List<Integer> readInts(DataInputStream in) throws IOException {
    int n = in.readInt();
    List<Integer> values = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      values.add(in.readInt());
    }
    return values;
  }
}
