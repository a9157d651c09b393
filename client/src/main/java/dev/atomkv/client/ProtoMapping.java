package dev.atomkv.client;

import com.google.protobuf.ByteString;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.KeyPart;
import dev.atomkv.proto.v1.Match;
import dev.atomkv.proto.v1.Value;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Conversions between the client's model and the generated {@code atomkv.v1} messages. */
final class ProtoMapping {
  private ProtoMapping() {}

  static dev.atomkv.proto.v1.Key toProto(Key key) {
    dev.atomkv.proto.v1.Key.Builder b = dev.atomkv.proto.v1.Key.newBuilder();
    for (Object part : key.rawParts()) {
      b.addParts(toProto(part));
    }
    return b.build();
  }

  private static KeyPart toProto(Object part) {
    KeyPart.Builder b = KeyPart.newBuilder();
    if (part instanceof byte[] bytes) {
      b.setBytes(ByteString.copyFrom(bytes));
    } else if (part instanceof String s) {
      b.setString(s);
    } else if (part instanceof Long l) {
      b.setInt(l);
    } else if (part instanceof BigInteger bi) {
      b.setBigInt(bi.toString());
    } else if (part instanceof Double d) {
      b.setNumber(d);
    } else {
      b.setBoolean((Boolean) part);
    }
    return b.build();
  }

  static Key fromProto(dev.atomkv.proto.v1.Key key) {
    List<Object> parts = new ArrayList<>(key.getPartsCount());
    for (KeyPart part : key.getPartsList()) {
      parts.add(switch (part.getKindCase()) {
        case BYTES -> part.getBytes().toByteArray();
        case STRING -> part.getString();
        case INT -> part.getInt();
        case BIG_INT -> new BigInteger(part.getBigInt());
        case NUMBER -> part.getNumber();
        case BOOLEAN -> part.getBoolean();
        case KIND_NOT_SET -> throw new IllegalArgumentException("server sent a key part with no kind");
      });
    }
    return Key.ofParts(parts);
  }

  static dev.atomkv.proto.v1.Filter toProto(Filter filter) {
    AttributeFilter f = (AttributeFilter) filter; // the only implementation
    dev.atomkv.proto.v1.Filter.Builder b = dev.atomkv.proto.v1.Filter.newBuilder()
        .setMatch(f.matchesAny() ? Match.MATCH_ANY : Match.MATCH_ALL);
    for (AttributeFilter.Term term : f.terms()) {
      b.addConditions(dev.atomkv.proto.v1.Condition.newBuilder()
          .setAttribute(term.attribute())
          .setOp(term.condition().operator())
          .addAllValues(term.condition().values()));
    }
    return b.build();
  }

  static Value toProto(KvValue value) {
    Object p = value.rawPayload();
    return switch (value.kind()) {
      case BYTES -> Value.newBuilder().setBytes(ByteString.copyFrom((byte[]) p)).build();
      case STRING -> Value.newBuilder().setString((String) p).build();
      case U64 -> Value.newBuilder().setU64((Long) p).build();
      case JSON -> Value.newBuilder().setJson((com.google.protobuf.Value) p).build();
      case V8 -> Value.newBuilder().setV8(ByteString.copyFrom((byte[]) p)).build();
    };
  }

  static KvValue fromProto(Value value) {
    return switch (value.getKindCase()) {
      case BYTES -> KvValue.of(value.getBytes().toByteArray());
      case STRING -> KvValue.of(value.getString());
      case U64 -> KvValue.u64(value.getU64());
      case JSON -> KvValue.json(value.getJson());
      case V8 -> KvValue.v8(value.getV8().toByteArray());
      case KIND_NOT_SET -> throw new IllegalArgumentException("server sent a value with no kind");
    };
  }

  /**
   * An entry of a response; {@code key} is the client's own key when it has one (Get), so the
   * caller gets back the instance it asked with.
   */
  static KvEntry fromProto(Entry entry, Key key) {
    Key k = key != null ? key : fromProto(entry.getKey());
    if (entry.getVersionstamp().isEmpty()) {
      return KvEntry.missing(k);
    }
    Instant expiresAt = entry.getExpiresAtMs() == 0 ? null : Instant.ofEpochMilli(entry.getExpiresAtMs());
    return new KvEntry(
        k,
        fromProto(entry.getValue()),
        Versionstamp.fromBytes(entry.getVersionstamp().toByteArray()),
        expiresAt);
  }
}
