package dev.atomkv.server.kvconnect;

import com.google.protobuf.ByteString;
import dev.atomkv.server.kvconnect.wire.KvValue;
import dev.atomkv.server.kvconnect.wire.ValueEncoding;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.Check;
import dev.atomkv.server.model.KeyCodec;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.MutationKind;
import dev.atomkv.server.model.RequestValidator;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.Versionstamp;
import dev.atomkv.server.model.v8.V8Number;
import dev.atomkv.server.model.v8.V8Reader;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns Deno's AtomicWrite into the model's, with Deno's messages for what it refuses. Every key is
 * decoded and re-encoded, so bytes that are not the canonical encoding of a key never get stored
 * (a gRPC Get then always finds what a Deno program wrote).
 */
final class AtomicWriteMapper {
  static final String NOT_V8_NUMBERS = "Some of the parameters are not valid V8 values";

  /**
   * @param received the request with values as Deno sent them: what the limits count
   * @param toStore the same request with values as they are stored
   */
  record Mapped(AtomicWrite received, AtomicWrite toStore) {}

  private AtomicWriteMapper() {}

  static Mapped map(dev.atomkv.server.kvconnect.wire.AtomicWrite req) {
    if (req.getEnqueuesCount() > 0) {
      throw HttpFailure.badRequest("Enqueue operations are not supported in KV Connect");
    }
    List<Check> checks = new ArrayList<>(req.getChecksCount());
    for (dev.atomkv.server.kvconnect.wire.Check c : req.getChecksList()) {
      byte[] key = canonicalKey(c.getKey());
      if (c.getVersionstamp().isEmpty()) {
        checks.add(Check.absent(key));
      } else {
        checks.add(Check.versionstamp(key, Versionstamp.fromBytes(c.getVersionstamp().toByteArray())));
      }
    }
    List<Mutation> received = new ArrayList<>(req.getMutationsCount());
    List<Mutation> toStore = new ArrayList<>(req.getMutationsCount());
    for (dev.atomkv.server.kvconnect.wire.Mutation m : req.getMutationsList()) {
      Mutation r = mutation(m);
      received.add(r);
      toStore.add(r.kind() == MutationKind.SET
          ? new Mutation(r.key(), r.kind(), WireValues.stored(r.value()), r.expiresAtMs(),
              r.versionstampSuffix(), null)
          : r);
    }
    return new Mapped(new AtomicWrite(checks, received), new AtomicWrite(checks, toStore));
  }

  private static Mutation mutation(dev.atomkv.server.kvconnect.wire.Mutation m) {
    byte[] key = canonicalKey(m.getKey());
    switch (m.getMutationType()) {
      case M_SET:
      case M_SET_SUFFIX_VERSIONSTAMPED_KEY:
        return new Mutation(key, MutationKind.SET, WireValues.received(value(m, "set")),
            expiresAt(m.getExpireAtMs()),
            m.getMutationType() == dev.atomkv.server.kvconnect.wire.MutationType.M_SET_SUFFIX_VERSIONSTAMPED_KEY,
            null);
      case M_DELETE:
        return Mutation.delete(key); // Deno sends an empty value with it
      case M_SUM:
        return sum(key, m);
      case M_MIN:
        return Mutation.arithmetic(key, MutationKind.MIN, u64Operand(m, "min"));
      case M_MAX:
        return Mutation.arithmetic(key, MutationKind.MAX, u64Operand(m, "max"));
      default:
        throw HttpFailure.badRequest("Invalid mutation type");
    }
  }

  private static Mutation sum(byte[] key, dev.atomkv.server.kvconnect.wire.Mutation m) {
    KvValue operand = value(m, "sum");
    if (operand.getEncoding() == ValueEncoding.VE_LE64) {
      if (!m.getSumMin().isEmpty() || !m.getSumMax().isEmpty()) {
        throw HttpFailure.badRequest("Cannot use min/max parameters with KvU64 operands");
      }
      return Mutation.arithmetic(key, MutationKind.SUM, WireValues.le64(operand.getData()));
    }
    if (operand.getEncoding() != ValueEncoding.VE_V8) {
      throw HttpFailure.badRequest(NOT_V8_NUMBERS);
    }
    V8Number n = V8Reader.toNumber(operand.getData().toByteArray());
    if (n == null) {
      throw HttpFailure.badRequest(NOT_V8_NUMBERS);
    }
    V8Number min = bound(m.getSumMin(), n);
    V8Number max = bound(m.getSumMax(), n);
    return Mutation.merge(key, WireValues.received(operand), new V8Sum(n, min, max,
        m.getSumClamp()));
  }

  private static V8Number bound(ByteString v8, V8Number operand) {
    if (v8.isEmpty()) {
      return null;
    }
    V8Number b = V8Reader.toNumber(v8.toByteArray());
    if (b == null) {
      throw HttpFailure.badRequest(NOT_V8_NUMBERS);
    }
    if (b.getClass() != operand.getClass()) {
      throw HttpFailure.badRequest("Min/max parameters have different types than the operand");
    }
    return b;
  }

  private static long u64Operand(dev.atomkv.server.kvconnect.wire.Mutation m, String op) {
    KvValue v = value(m, op);
    if (v.getEncoding() != ValueEncoding.VE_LE64) {
      throw HttpFailure.badRequest("Failed to perform '" + op + "' mutation on a non-U64 operand");
    }
    return WireValues.le64(v.getData());
  }

  private static KvValue value(dev.atomkv.server.kvconnect.wire.Mutation m, String op) {
    if (!m.hasValue()) {
      throw HttpFailure.badRequest("Invalid mutation '" + op + "' without value");
    }
    return m.getValue();
  }

  private static long expiresAt(long expireAtMs) {
    if (expireAtMs == 0 || expireAtMs == -1) {
      return 0;
    }
    if (expireAtMs < 0) {
      throw HttpFailure.badRequest("Invalid expire_at_ms: " + expireAtMs);
    }
    return RequestValidator.expiryAt(expireAtMs);
  }

  /** The key, which must be the canonical encoding of a tuple. */
  static byte[] canonicalKey(ByteString key) {
    byte[] bytes = key.toByteArray();
    KeyCodec.decode(bytes);
    return bytes;
  }
}
