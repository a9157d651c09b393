package dev.atomkv.server.kvconnect;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.atomkv.server.engine.KeyWatch;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.engine.ListPage;
import dev.atomkv.server.engine.RangeRead;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.engine.WatchListener;
import dev.atomkv.server.engine.WatchUpdate;
import dev.atomkv.server.engine.WatchedKey;
import dev.atomkv.server.kvconnect.wire.AtomicWrite;
import dev.atomkv.server.kvconnect.wire.AtomicWriteOutput;
import dev.atomkv.server.kvconnect.wire.AtomicWriteStatus;
import dev.atomkv.server.kvconnect.wire.ReadRange;
import dev.atomkv.server.kvconnect.wire.ReadRangeOutput;
import dev.atomkv.server.kvconnect.wire.SnapshotRead;
import dev.atomkv.server.kvconnect.wire.SnapshotReadOutput;
import dev.atomkv.server.kvconnect.wire.SnapshotReadStatus;
import dev.atomkv.server.kvconnect.wire.Watch;
import dev.atomkv.server.kvconnect.wire.WatchKey;
import dev.atomkv.server.kvconnect.wire.WatchKeyOutput;
import dev.atomkv.server.kvconnect.wire.WatchOutput;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.Limits;
import dev.atomkv.server.model.RequestValidator;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * snapshot_read, atomic_write and watch over the engine, with the limits of the shared
 * {@link RequestValidator} (whose errors become 400s with the same messages as on gRPC).
 * Requests are protobuf bytes in, protobuf bytes out; other failures are {@link HttpFailure}s.
 */
final class DataPath {
  /** Counted per entry besides key and value: versionstamp, encoding and framing. */
  private static final int ENTRY_OVERHEAD = 24;

  private final KvEngine engine;
  private final boolean strong;
  private final RequestValidator validator;
  private final long maxResponseBytes;

  /**
   * @param engine what reads, watches and writes go to
   * @param strong whether {@code engine}'s reads are linearizable: snapshot_read says so in
   *     {@code read_is_strongly_consistent}, and v3 clients trust a strong endpoint only then
   */
  DataPath(KvEngine engine, boolean strong, Limits limits, long maxResponseBytes) {
    this.engine = engine;
    this.strong = strong;
    this.validator = new RequestValidator(limits);
    this.maxResponseBytes = maxResponseBytes;
  }

  byte[] snapshotRead(byte[] body) {
    SnapshotRead req;
    try {
      req = SnapshotRead.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      throw HttpFailure.badRequest("Invalid SnapshotRead message");
    }
    validator.readRangeCount(req.getRangesCount());
    List<RangeRead> ranges = new ArrayList<>(req.getRangesCount());
    for (ReadRange r : req.getRangesList()) {
      int limit = validator.rangeLimit(r.getLimit());
      byte[] start = r.getStart().toByteArray();
      byte[] end = r.getEnd().toByteArray();
      validator.readBound(start);
      validator.readBound(end);
      ranges.add(new RangeRead(start, end, r.getReverse(), limit));
    }
    List<ListPage> pages = engine.listRanges(ranges, maxResponseBytes,
        e -> e.key().length + e.value().countedSize() + ENTRY_OVERHEAD);
    SnapshotReadOutput.Builder out = SnapshotReadOutput.newBuilder()
        .setStatus(SnapshotReadStatus.SR_SUCCESS)
        .setReadIsStronglyConsistent(strong);
    for (int i = 0; i < pages.size(); i++) {
      ListPage page = pages.get(i);
      // A short page would tell the client the range is exhausted: refuse instead.
      if (page.more() && page.entries().size() < ranges.get(i).limit()) {
        throw HttpFailure.badRequest("Response too large (max " + maxResponseBytes
            + " bytes): read fewer entries at once");
      }
      ReadRangeOutput.Builder range = out.addRangesBuilder();
      for (StoredEntry e : page.entries()) {
        range.addValues(WireValues.toWire(e));
      }
    }
    return out.build().toByteArray();
  }

  CompletableFuture<byte[]> atomicWrite(byte[] body) {
    // The body is the serialised AtomicWrite: the size --max-request-bytes means on gRPC too.
    validator.requestBytes(body.length);
    AtomicWrite req;
    try {
      req = AtomicWrite.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      throw HttpFailure.badRequest("Invalid AtomicWrite message");
    }
    AtomicWriteMapper.Mapped mapped = AtomicWriteMapper.map(req);
    validator.atomicWrite(mapped.received());
    return engine.commit(mapped.toStore()).thenApply(DataPath::toOutput);
  }

  /** Registers a watch of the request's keys (validated as the gRPC Watch's are). */
  KeyWatch watch(byte[] body, WatchListener listener) {
    Watch req;
    try {
      req = Watch.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      throw HttpFailure.badRequest("Invalid Watch message");
    }
    validator.watchKeyCount(req.getKeysCount());
    List<byte[]> keys = new ArrayList<>(req.getKeysCount());
    for (WatchKey k : req.getKeysList()) {
      byte[] key = AtomicWriteMapper.canonicalKey(k.getKey());
      validator.readKey(key);
      keys.add(key);
    }
    return engine.watch(keys, null, listener);
  }

  /** One watch frame (protocol v3): a u32 little-endian length, then a WatchOutput. */
  static ByteBuffer watchFrame(WatchUpdate update) {
    WatchOutput.Builder out = WatchOutput.newBuilder().setStatus(SnapshotReadStatus.SR_SUCCESS);
    for (WatchedKey k : update.keys()) {
      WatchKeyOutput.Builder key = out.addKeysBuilder().setChanged(k.changed());
      if (k.changed() && k.entry() != null) {
        key.setEntryIfChanged(WireValues.toWire(k.entry()));
      }
    }
    byte[] message = out.build().toByteArray();
    return ByteBuffer.allocate(4 + message.length).order(ByteOrder.LITTLE_ENDIAN)
        .putInt(message.length).put(message).flip();
  }

  private static byte[] toOutput(CommitResult r) {
    AtomicWriteOutput.Builder b = AtomicWriteOutput.newBuilder();
    if (r.ok()) {
      b.setStatus(AtomicWriteStatus.AW_SUCCESS)
          .setVersionstamp(ByteString.copyFrom(r.versionstamp().toBytes()));
    } else {
      b.setStatus(AtomicWriteStatus.AW_CHECK_FAILURE);
      r.failedChecks().forEach(b::addFailedChecks);
    }
    return b.build().toByteArray();
  }
}
