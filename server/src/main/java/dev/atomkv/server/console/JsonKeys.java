package dev.atomkv.server.console;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.atomkv.server.model.Key;
import dev.atomkv.server.model.KeyCodec;
import dev.atomkv.server.model.KeyPart;
import dev.atomkv.server.model.KvException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Tuple keys in the console's JSON: an array of parts, each an object with one member named after
 * its kind, as the gRPC KeyPart oneof names them: {@code {"string":"users"}}, {@code {"int":"42"}}
 * (decimal text, any size, so no precision is lost in JavaScript), {@code {"number":1.5}} (or
 * {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}, which JSON cannot write as numbers),
 * {@code {"boolean":true}}, {@code {"bytes":"0a0b"}} (hex).
 */
final class JsonKeys {
  private static final Pattern DECIMAL = Pattern.compile("-?(0|[1-9][0-9]*)");
  private static final HexFormat HEX = HexFormat.of();

  private JsonKeys() {}

  /** Encodes a key; an absent or empty array is the empty key (a List prefix may be empty). */
  static byte[] encode(JsonElement json, String field) {
    if (json == null || json.isJsonNull()) {
      return new byte[0];
    }
    if (!json.isJsonArray()) {
      throw KvException.invalid(field + " must be an array of key parts");
    }
    JsonArray array = json.getAsJsonArray();
    List<KeyPart> parts = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      parts.add(part(array.get(i), field + "[" + i + "]"));
    }
    return KeyCodec.encode(new Key(parts));
  }

  /** As {@link #encode}, refusing the empty key with gRPC's message. */
  static byte[] encodeNonEmpty(JsonElement json, String field) {
    byte[] key = encode(json, field);
    if (key.length == 0) {
      throw KvException.invalid("key cannot be empty");
    }
    return key;
  }

  private static KeyPart part(JsonElement json, String field) {
    if (!json.isJsonObject() || json.getAsJsonObject().size() != 1) {
      throw KvException.invalid(field + " must be an object with one member: string, int, "
          + "number, boolean or bytes");
    }
    Map.Entry<String, JsonElement> only = json.getAsJsonObject().entrySet().iterator().next();
    JsonElement v = only.getValue();
    String at = field + "." + only.getKey();
    return switch (only.getKey()) {
      case "string" -> new KeyPart.Text(Json.string(v, at));
      case "int" -> new KeyPart.Int(integer(v, at));
      case "number" -> new KeyPart.Number(number(v, at));
      case "boolean" -> {
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isBoolean()) {
          throw KvException.invalid(at + " must be true or false");
        }
        yield new KeyPart.Bool(v.getAsBoolean());
      }
      case "bytes" -> new KeyPart.Bytes(Json.hex(v, at));
      default -> throw KvException.invalid(field + " has an unknown kind '" + only.getKey()
          + "' (string, int, number, boolean or bytes)");
    };
  }

  private static BigInteger integer(JsonElement v, String field) {
    String text = Json.string(v, field);
    if (!DECIMAL.matcher(text).matches() || text.equals("-0")) {
      throw KvException.invalid(field + " is not a decimal integer"
          + " (digits, an optional leading '-', no leading zeros)");
    }
    BigInteger value = new BigInteger(text);
    if ((value.abs().bitLength() + 7) / 8 > KeyCodec.MAX_INT_MAGNITUDE_BYTES) {
      throw KvException.invalid(field + " is too large (max 255 bytes of magnitude)");
    }
    return value;
  }

  private static double number(JsonElement v, String field) {
    if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) {
      return v.getAsDouble();
    }
    if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isString()) {
      switch (v.getAsString()) {
        case "NaN":
          return Double.NaN;
        case "Infinity":
          return Double.POSITIVE_INFINITY;
        case "-Infinity":
          return Double.NEGATIVE_INFINITY;
        default:
      }
    }
    throw KvException.invalid(field + " must be a number, \"NaN\", \"Infinity\" or \"-Infinity\"");
  }

  static JsonArray toJson(byte[] encoded) {
    JsonArray out = new JsonArray();
    for (KeyPart p : KeyCodec.decode(encoded).parts()) {
      JsonObject part = new JsonObject();
      if (p instanceof KeyPart.Text t) {
        part.addProperty("string", t.value());
      } else if (p instanceof KeyPart.Int i) {
        part.addProperty("int", i.value().toString());
      } else if (p instanceof KeyPart.Number n) {
        double d = n.value();
        part.add("number", Double.isFinite(d) ? new JsonPrimitive(d)
            : new JsonPrimitive(Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity"));
      } else if (p instanceof KeyPart.Bool b) {
        part.addProperty("boolean", b.value());
      } else {
        part.addProperty("bytes", HEX.formatHex(((KeyPart.Bytes) p).value()));
      }
      out.add(part);
    }
    return out;
  }
}
