package dev.atomkv.server.api;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.model.Key;
import dev.atomkv.server.model.KeyCodec;
import dev.atomkv.server.model.KeyPart;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.ValueKind;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Converts between the wire messages and the model. {@code field} names the offending field. */
final class ProtoMapper {
  private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);
  private static final Pattern CANONICAL_DECIMAL =
      Pattern.compile("-?[1-9][0-9]*");

  private ProtoMapper() {}

  /** Encodes a key; empty keys are allowed here (a List prefix may be empty). */
  static byte[] encodeKey(dev.atomkv.proto.v1.Key key, String field) {
    List<KeyPart> parts = new ArrayList<>(key.getPartsCount());
    for (int i = 0; i < key.getPartsCount(); i++) {
      parts.add(keyPart(key.getParts(i), field + ".parts[" + i + "]"));
    }
    return KeyCodec.encode(new Key(parts));
  }

  static byte[] encodeNonEmptyKey(dev.atomkv.proto.v1.Key key, String field) {
    if (key.getPartsCount() == 0) {
      throw KvException.invalid("key cannot be empty");
    }
    return encodeKey(key, field);
  }

  private static KeyPart keyPart(dev.atomkv.proto.v1.KeyPart p, String field) {
    switch (p.getKindCase()) {
      case BYTES:
        return new KeyPart.Bytes(p.getBytes().toByteArray());
      case STRING:
        return new KeyPart.Text(p.getString());
      case INT:
        return KeyPart.Int.of(p.getInt());
      case BIG_INT:
        return new KeyPart.Int(bigInt(p.getBigInt(), field));
      case NUMBER:
        return new KeyPart.Number(p.getNumber());
      case BOOLEAN:
        return new KeyPart.Bool(p.getBoolean());
      default:
        throw KvException.invalid(field + " has no kind set");
    }
  }

  private static BigInteger bigInt(String text, String field) {
    // BigInteger also reads '+7' and '007': text that is not the one canonical decimal form would
    // be echoed back by Get as sent and by List as the canonical form.
    if (!CANONICAL_DECIMAL.matcher(text).matches()) {
      throw KvException.invalid(field + ".big_int is not a decimal integer"
          + " (digits, an optional leading '-', no leading zeros)");
    }
    BigInteger v;
    try {
      v = new BigInteger(text);
    } catch (NumberFormatException e) {
      throw KvException.invalid(field + ".big_int is not a decimal integer");
    }
    if (v.compareTo(LONG_MIN) >= 0 && v.compareTo(LONG_MAX) <= 0) {
      throw KvException.invalid(field + ".big_int is inside int64: use int");
    }
    if ((v.abs().bitLength() + 7) / 8 > KeyCodec.MAX_INT_MAGNITUDE_BYTES) {
      throw KvException.invalid(field + ".big_int is too large (max 255 bytes of magnitude)");
    }
    return v;
  }

  static dev.atomkv.proto.v1.Key toProtoKey(byte[] encoded) {
    return toProtoKey(KeyCodec.decode(encoded));
  }

  static dev.atomkv.proto.v1.Key toProtoKey(Key key) {
    dev.atomkv.proto.v1.Key.Builder b = dev.atomkv.proto.v1.Key.newBuilder();
    for (KeyPart part : key.parts()) {
      b.addParts(toProtoPart(part));
    }
    return b.build();
  }

  private static dev.atomkv.proto.v1.KeyPart toProtoPart(KeyPart part) {
    dev.atomkv.proto.v1.KeyPart.Builder b = dev.atomkv.proto.v1.KeyPart.newBuilder();
    if (part instanceof KeyPart.Bytes x) {
      b.setBytes(ByteString.copyFrom(x.value()));
    } else if (part instanceof KeyPart.Text x) {
      b.setString(x.value());
    } else if (part instanceof KeyPart.Int x) {
      if (x.value().bitLength() < 64) {
        b.setInt(x.value().longValue());
      } else {
        b.setBigInt(x.value().toString());
      }
    } else if (part instanceof KeyPart.Number x) {
      b.setNumber(x.value());
    } else if (part instanceof KeyPart.Bool x) {
      b.setBoolean(x.value());
    }
    return b.build();
  }

  static Value value(dev.atomkv.proto.v1.Value v, String field) {
    switch (v.getKindCase()) {
      case BYTES:
        return new Value(ValueKind.BYTES, v.getBytes().toByteArray());
      case STRING:
        return new Value(ValueKind.STRING, v.getStringBytes().toByteArray());
      case U64:
        return Value.u64(v.getU64());
      case JSON:
        checkJson(v.getJson(), field + ".json");
        return new Value(ValueKind.JSON, v.getJson().toByteArray());
      case V8:
        return new Value(ValueKind.V8, v.getV8().toByteArray());
      default:
        throw KvException.invalid(field + " has no kind set");
    }
  }

  /** JSON has no NaN or infinities, and every node must say what it is. */
  private static void checkJson(com.google.protobuf.Value v, String field) {
    switch (v.getKindCase()) {
      case NUMBER_VALUE:
        if (!Double.isFinite(v.getNumberValue())) {
          throw KvException.invalid(field + " holds a number that is not finite (NaN or infinity)");
        }
        return;
      case STRUCT_VALUE:
        Struct s = v.getStructValue();
        s.getFieldsMap().forEach((name, child) -> checkJson(child, field + "." + name));
        return;
      case LIST_VALUE:
        ListValue l = v.getListValue();
        for (int i = 0; i < l.getValuesCount(); i++) {
          checkJson(l.getValues(i), field + "[" + i + "]");
        }
        return;
      case KIND_NOT_SET:
        throw KvException.invalid(field + " has no kind set");
      default:
    }
  }

  static dev.atomkv.proto.v1.Value toProtoValue(Value v) {
    dev.atomkv.proto.v1.Value.Builder b = dev.atomkv.proto.v1.Value.newBuilder();
    switch (v.kind()) {
      case BYTES -> b.setBytes(ByteString.copyFrom(v.payload()));
      case STRING -> b.setStringBytes(ByteString.copyFrom(v.payload()));
      case U64 -> b.setU64(v.asU64());
      case V8 -> b.setV8(ByteString.copyFrom(v.payload()));
      case JSON -> {
        try {
          b.setJson(com.google.protobuf.Value.parseFrom(v.payload()));
        } catch (InvalidProtocolBufferException e) {
          throw new KvException(dev.atomkv.server.model.ErrorKind.INTERNAL,
              "stored json value is unreadable", e);
        }
      }
      default -> throw new IllegalStateException("unknown kind " + v.kind());
    }
    return b.build();
  }

  static Entry toProtoEntry(StoredEntry e) {
    return withValue(Entry.newBuilder().setKey(toProtoKey(e.key())), e).build();
  }

  /**
   * The entry of a Get, whose key is echoed as requested, or of a Query, whose key is the
   * document's (not the index entry's, which {@code e} holds).
   */
  static Entry toProtoEntry(dev.atomkv.proto.v1.Key requested, StoredEntry e) {
    Entry.Builder b = Entry.newBuilder().setKey(requested);
    return (e == null ? b : withValue(b, e)).build();
  }

  private static Entry.Builder withValue(Entry.Builder b, StoredEntry e) {
    return b.setValue(toProtoValue(e.value()))
        .setVersionstamp(ByteString.copyFrom(e.versionstamp().toBytes()))
        .setExpiresAtMs(e.expiresAtMs());
  }
}
