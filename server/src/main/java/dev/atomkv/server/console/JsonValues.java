package dev.atomkv.server.console;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.atomkv.server.document.ProtoDocuments;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.model.JsonValue;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.ValueKind;
import dev.atomkv.server.model.v8.V8Number;
import dev.atomkv.server.model.v8.V8Reader;
import dev.atomkv.server.model.v8.V8Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Values in the console's JSON: {@code {"kind": ..., "value": ...}} with the kind's natural JSON
 * form (docs/console.md). Answers add what people need to read V8 values: the JSON document or
 * bigint they decode to, when they are one.
 */
final class JsonValues {
  private static final HexFormat HEX = HexFormat.of();
  private static final BigInteger U64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  private JsonValues() {}

  static Value fromJson(JsonElement json, String field) {
    if (json == null || !json.isJsonObject()) {
      throw KvException.invalid(field + " must be an object with a kind and a value");
    }
    JsonObject o = json.getAsJsonObject();
    String kind = Json.string(o.get("kind"), field + ".kind");
    JsonElement v = o.get("value");
    String at = field + ".value";
    switch (kind.toLowerCase(Locale.ROOT)) {
      case "string":
        return Value.string(Json.string(v, at));
      case "bytes":
        return Value.bytes(Json.hex(v, at));
      case "u64":
        return Value.u64(u64(v, at));
      case "json":
        if (v == null) {
          throw KvException.invalid(at + " is missing");
        }
        return new Value(ValueKind.JSON, ProtoDocuments.encode(Json.document(v, at, 0)));
      case "v8":
        if (o.has("json")) {
          return new Value(ValueKind.V8, V8Writer.write(Json.document(o.get("json"),
              field + ".json", 0)));
        }
        return new Value(ValueKind.V8, Json.hex(v, at));
      default:
        throw KvException.invalid(field + ".kind '" + kind
            + "' is not a value kind (string, bytes, u64, json or v8)");
    }
  }

  /** A u64 as decimal text: JavaScript numbers lose precision above 2^53. */
  static long u64(JsonElement v, String field) {
    String text = Json.string(v, field);
    if (!text.matches("0|[1-9][0-9]{0,19}")) {
      throw KvException.invalid(field + " must be a decimal integer from 0 to 2^64-1, as a string");
    }
    BigInteger n = new BigInteger(text);
    if (n.compareTo(U64_MAX) > 0) {
      throw KvException.invalid(field + " must be a decimal integer from 0 to 2^64-1, as a string");
    }
    return n.longValue();
  }

  static JsonObject toJson(Value value) {
    JsonObject out = new JsonObject();
    out.addProperty("kind", value.kind().name().toLowerCase(Locale.ROOT));
    byte[] payload = value.payload();
    switch (value.kind()) {
      case STRING -> out.addProperty("value", new String(payload, StandardCharsets.UTF_8));
      case BYTES -> out.addProperty("value", HEX.formatHex(payload));
      case U64 -> out.addProperty("value", Long.toUnsignedString(value.asU64()));
      case JSON -> out.add("value", Json.toJson(ProtoDocuments.INSTANCE.decode(payload)));
      case V8 -> {
        out.addProperty("value", HEX.formatHex(payload));
        JsonValue doc = V8Reader.toJson(payload);
        if (doc != null) {
          out.add("decoded", Json.toJson(doc));
        } else if (V8Reader.toNumber(payload) instanceof V8Number.Big big) {
          out.addProperty("bigint", big.value().toString());
        }
      }
      default -> throw new IllegalStateException("unknown kind " + value.kind());
    }
    return out;
  }

  static JsonObject entry(StoredEntry e) {
    JsonObject out = new JsonObject();
    out.add("key", JsonKeys.toJson(e.key()));
    out.add("value", toJson(e.value()));
    out.addProperty("versionstamp", e.versionstamp().toString());
    out.addProperty("expiresAtMs", e.expiresAtMs());
    return out;
  }
}
