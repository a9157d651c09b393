package dev.atomkv.server.api;

import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.Check;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.MutationKind;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.Versionstamp;
import java.util.ArrayList;
import java.util.List;

/** Turns an AtomicRequest into a model AtomicWrite, rejecting malformed fields by name. */
final class AtomicRequestMapper {
  /** Expiry times must stay exact in a JavaScript number (Deno's rule). */
  static final long MAX_EXPIRY_MS = (1L << 53) - 1;

  private AtomicRequestMapper() {}

  /**
   * @param receivedAtMs when the server accepted the request: expiry times count from here, once
   * @param deadlineNanos System.nanoTime() past which the request must not be applied
   */
  static AtomicWrite toWrite(AtomicRequest req, long receivedAtMs, long deadlineNanos) {
    List<Check> checks = new ArrayList<>(req.getChecksCount());
    for (int i = 0; i < req.getChecksCount(); i++) {
      checks.add(check(req.getChecks(i), "checks[" + i + "]"));
    }
    List<Mutation> mutations = new ArrayList<>(req.getMutationsCount());
    for (int i = 0; i < req.getMutationsCount(); i++) {
      mutations.add(mutation(req.getMutations(i), "mutations[" + i + "]", receivedAtMs));
    }
    return new AtomicWrite(checks, mutations, deadlineNanos);
  }

  private static Check check(dev.atomkv.proto.v1.Check c, String field) {
    byte[] key = ProtoMapper.encodeKey(c.getKey(), field + ".key");
    switch (c.getExpectCase()) {
      case VERSIONSTAMP:
        if (c.getVersionstamp().size() != Versionstamp.LENGTH) {
          throw KvException.invalid("Invalid versionstamp");
        }
        return Check.versionstamp(key, Versionstamp.fromBytes(c.getVersionstamp().toByteArray()));
      case ABSENT:
        return Check.absent(key);
      default:
        throw KvException.invalid(field + ".expect is not set (versionstamp or absent)");
    }
  }

  private static Mutation mutation(dev.atomkv.proto.v1.Mutation m, String field, long nowMs) {
    byte[] key = ProtoMapper.encodeKey(m.getKey(), field + ".key");
    if (m.getOpCase() != dev.atomkv.proto.v1.Mutation.OpCase.SET) {
      if (m.getExpireInMs() != 0) {
        throw KvException.invalid(field + ".expire_in_ms applies to set only");
      }
      if (m.getVersionstampSuffix()) {
        throw KvException.invalid(field + ".versionstamp_suffix applies to set only");
      }
    }
    switch (m.getOpCase()) {
      case SET:
        Value value = ProtoMapper.value(m.getSet(), field + ".set");
        return new Mutation(key, MutationKind.SET, value, expiresAt(m.getExpireInMs(), nowMs),
            m.getVersionstampSuffix());
      case DELETE:
        return Mutation.delete(key);
      case SUM:
        return Mutation.arithmetic(key, MutationKind.SUM, m.getSum());
      case MIN:
        return Mutation.arithmetic(key, MutationKind.MIN, m.getMin());
      case MAX:
        return Mutation.arithmetic(key, MutationKind.MAX, m.getMax());
      default:
        throw KvException.invalid(field + ".op is not set (set, delete, sum, min or max)");
    }
  }

  private static long expiresAt(long expireInMs, long nowMs) {
    if (expireInMs < 0) {
      throw KvException.invalid("expireIn must be a non-negative integer");
    }
    if (expireInMs == 0) {
      return 0;
    }
    if (expireInMs > MAX_EXPIRY_MS - nowMs) {
      throw KvException.invalid("expireIn is too large");
    }
    return nowMs + expireInMs;
  }
}
