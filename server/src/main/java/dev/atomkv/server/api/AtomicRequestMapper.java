package dev.atomkv.server.api;

import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.server.document.ProtoDocuments;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.Check;
import dev.atomkv.server.model.Condition;
import dev.atomkv.server.model.Enqueue;
import dev.atomkv.server.model.Filter;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.MutationKind;
import dev.atomkv.server.model.Operator;
import dev.atomkv.server.model.RequestValidator;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.Versionstamp;
import dev.atomkv.server.model.Where;
import dev.atomkv.server.model.entity.EntityDefinition;
import dev.atomkv.server.model.entity.EntityKeys;
import java.util.ArrayList;
import java.util.List;

/** Turns an AtomicRequest into a model AtomicWrite, rejecting malformed fields by name. */
final class AtomicRequestMapper {
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
    List<Enqueue> enqueues = new ArrayList<>(req.getEnqueuesCount());
    for (int i = 0; i < req.getEnqueuesCount(); i++) {
      enqueues.add(enqueue(req.getEnqueues(i), "enqueues[" + i + "]", receivedAtMs));
    }
    return new AtomicWrite(checks, mutations, deadlineNanos, enqueues);
  }

  private static Enqueue enqueue(dev.atomkv.proto.v1.Enqueue e, String field, long nowMs) {
    if (!e.hasPayload()) {
      throw KvException.invalid(field + ".payload is not set");
    }
    Value payload = ProtoMapper.value(e.getPayload(), field + ".payload");
    List<byte[]> keys = new ArrayList<>(e.getKeysIfUndeliveredCount());
    for (int i = 0; i < e.getKeysIfUndeliveredCount(); i++) {
      keys.add(ProtoMapper.encodeKey(e.getKeysIfUndelivered(i),
          field + ".keys_if_undelivered[" + i + "]"));
    }
    long[] schedule = e.getBackoffScheduleMsList().stream().mapToLong(Long::longValue).toArray();
    return Enqueue.of(payload, e.getDelayMs(), nowMs, keys, schedule, e.getNoRetries());
  }

  private static Check check(dev.atomkv.proto.v1.Check c, String field) {
    byte[] key = entityKey(c.getEntity(), ProtoMapper.encodeKey(c.getKey(), field + ".key"));
    switch (c.getExpectCase()) {
      case VERSIONSTAMP:
        if (c.getVersionstamp().size() != Versionstamp.LENGTH) {
          throw KvException.invalid("Invalid versionstamp");
        }
        return Check.versionstamp(key, Versionstamp.fromBytes(c.getVersionstamp().toByteArray()));
      case ABSENT:
        return Check.absent(key);
      case WHERE:
        return Check.where(key, where(c.getWhere(), field + ".where"));
      default:
        throw KvException.invalid(field + ".expect is not set (versionstamp, absent or where)");
    }
  }

  private static Mutation mutation(dev.atomkv.proto.v1.Mutation m, String field, long nowMs) {
    byte[] key = entityKey(m.getEntity(), ProtoMapper.encodeKey(m.getKey(), field + ".key"));
    if (!m.getEntity().isEmpty()) {
      if (m.getOpCase() != dev.atomkv.proto.v1.Mutation.OpCase.SET
          && m.getOpCase() != dev.atomkv.proto.v1.Mutation.OpCase.DELETE) {
        throw KvException.invalid(field + ".entity applies to set and delete only");
      }
      if (m.hasSet() && !m.getSet().hasJson()) {
        throw KvException.invalid(field + ".set: a document of entity " + m.getEntity()
            + " must be a json value");
      }
    }
    if (m.getOpCase() != dev.atomkv.proto.v1.Mutation.OpCase.SET) {
      if (m.getExpireInMs() != 0) {
        throw KvException.invalid(field + ".expire_in_ms applies to set only");
      }
      if (m.getVersionstampSuffix()) {
        throw KvException.invalid(field + ".versionstamp_suffix applies to set only");
      }
    }
    Where where = null;
    if (m.hasWhere()) {
      if (m.getOpCase() != dev.atomkv.proto.v1.Mutation.OpCase.SET
          && m.getOpCase() != dev.atomkv.proto.v1.Mutation.OpCase.DELETE) {
        throw KvException.invalid(field + ".where applies to set and delete only");
      }
      where = where(m.getWhere(), field + ".where");
    }
    switch (m.getOpCase()) {
      case SET:
        Value value = ProtoMapper.value(m.getSet(), field + ".set");
        return new Mutation(key, MutationKind.SET, value,
            RequestValidator.expiryAfter(nowMs, m.getExpireInMs()),
            m.getVersionstampSuffix(), where);
      case DELETE:
        return new Mutation(key, MutationKind.DELETE, null, 0, false, where);
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

  static Where where(dev.atomkv.proto.v1.Filter f, String field) {
    boolean any = switch (f.getMatch()) {
      case MATCH_UNSPECIFIED, MATCH_ALL -> false;
      case MATCH_ANY -> true;
      default -> throw KvException.invalid(field + ".match is not a known Match value");
    };
    List<Condition> conditions = new ArrayList<>(f.getConditionsCount());
    for (int i = 0; i < f.getConditionsCount(); i++) {
      dev.atomkv.proto.v1.Condition c = f.getConditions(i);
      String at = field + ".conditions[" + i + "]";
      conditions.add(Condition.of(c.getAttribute(), operator(c.getOp(), at),
          ProtoDocuments.toJson(c.getValuesList()), at));
    }
    return new Where(Filter.of(any, conditions, field), ProtoDocuments.INSTANCE);
  }

  private static Operator operator(dev.atomkv.proto.v1.Operator op, String field) {
    return switch (op) {
      case OPERATOR_EQUAL_TO -> Operator.EQUAL_TO;
      case OPERATOR_NOT_EQUAL_TO -> Operator.NOT_EQUAL_TO;
      case OPERATOR_GREATER_THAN -> Operator.GREATER_THAN;
      case OPERATOR_GREATER_THAN_EQUAL_TO -> Operator.GREATER_THAN_EQUAL_TO;
      case OPERATOR_LESS_THAN -> Operator.LESS_THAN;
      case OPERATOR_LESS_THAN_EQUAL_TO -> Operator.LESS_THAN_EQUAL_TO;
      case OPERATOR_BETWEEN -> Operator.BETWEEN;
      case OPERATOR_BEGINS_WITH -> Operator.BEGINS_WITH;
      case OPERATOR_CONTAINS -> Operator.CONTAINS;
      case OPERATOR_NOT_CONTAINS -> Operator.NOT_CONTAINS;
      case OPERATOR_EXISTS -> Operator.EXISTS;
      case OPERATOR_NOT_EXISTS -> Operator.NOT_EXISTS;
      default -> throw KvException.invalid(field + ".op is not a known operator");
    };
  }

  /**
   * A document's stored key when {@code entity} is set (an empty key is left for the validator
   * to refuse as it refuses any empty key), else the key itself.
   */
  private static byte[] entityKey(String entity, byte[] key) {
    if (entity.isEmpty() || key.length == 0) {
      return key;
    }
    EntityDefinition.checkName(entity);
    return EntityKeys.document(entity, key);
  }
}
