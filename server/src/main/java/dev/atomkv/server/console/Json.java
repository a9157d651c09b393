package dev.atomkv.server.console;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import dev.atomkv.server.model.JsonValue;
import dev.atomkv.server.model.KvException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reading request bodies and converting documents, with errors that name the field. */
final class Json {
  /** Deeper request documents are refused rather than risk the stack. */
  static final int MAX_DEPTH = 200;

  private Json() {}

  /** The request body as a JSON object; an empty body is an empty object. */
  static JsonObject object(byte[] body) {
    if (body.length == 0) {
      return new JsonObject();
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(body)).toString();
    } catch (CharacterCodingException e) {
      throw KvException.invalid("request body is not UTF-8");
    }
    JsonElement parsed;
    try {
      JsonReader reader = new JsonReader(new StringReader(text));
      reader.setStrictness(Strictness.STRICT);
      parsed = JsonParser.parseReader(reader);
      if (reader.peek() != com.google.gson.stream.JsonToken.END_DOCUMENT) {
        throw KvException.invalid("request body is not one JSON document");
      }
    } catch (JsonParseException | IOException | IllegalStateException e) {
      throw KvException.invalid("request body is not valid JSON");
    }
    if (!parsed.isJsonObject()) {
      throw KvException.invalid("request body must be a JSON object");
    }
    return parsed.getAsJsonObject();
  }

  static String string(JsonElement v, String field) {
    if (v == null || !v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
      throw KvException.invalid(field + " must be a string");
    }
    return v.getAsString();
  }

  static byte[] hex(JsonElement v, String field) {
    String text = string(v, field);
    try {
      return HexFormat.of().parseHex(text);
    } catch (IllegalArgumentException e) {
      throw KvException.invalid(field + " must be hex digits (two per byte)");
    }
  }

  /** An optional integer member; {@code fallback} when absent. */
  static long integer(JsonObject o, String name, long fallback) {
    JsonElement v = o.get(name);
    if (v == null || v.isJsonNull()) {
      return fallback;
    }
    if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
      throw KvException.invalid(name + " must be an integer");
    }
    double d = v.getAsDouble();
    if (d != Math.rint(d) || Math.abs(d) > (1L << 53)) {
      throw KvException.invalid(name + " must be an integer");
    }
    return (long) d;
  }

  static boolean bool(JsonObject o, String name) {
    JsonElement v = o.get(name);
    if (v == null || v.isJsonNull()) {
      return false;
    }
    if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isBoolean()) {
      throw KvException.invalid(name + " must be true or false");
    }
    return v.getAsBoolean();
  }

  /** An optional string member; null when absent. */
  static String optionalString(JsonObject o, String name) {
    JsonElement v = o.get(name);
    return v == null || v.isJsonNull() ? null : string(v, name);
  }

  static JsonArray array(JsonObject o, String name) {
    JsonElement v = o.get(name);
    if (v == null || v.isJsonNull()) {
      return new JsonArray();
    }
    if (!v.isJsonArray()) {
      throw KvException.invalid(name + " must be an array");
    }
    return v.getAsJsonArray();
  }

  static JsonObject member(JsonArray a, int i, String field) {
    if (!a.get(i).isJsonObject()) {
      throw KvException.invalid(field + " must be an object");
    }
    return a.get(i).getAsJsonObject();
  }

  /** A JSON text's document; its numbers are doubles, as json values hold them. */
  static JsonValue document(JsonElement v, String field, int depth) {
    if (depth > MAX_DEPTH) {
      throw KvException.invalid(field + " is nested too deeply (max " + MAX_DEPTH + ")");
    }
    if (v == null || v.isJsonNull()) {
      return new JsonValue.Null();
    }
    if (v.isJsonPrimitive()) {
      JsonPrimitive p = v.getAsJsonPrimitive();
      if (p.isBoolean()) {
        return new JsonValue.Bool(p.getAsBoolean());
      }
      if (p.isNumber()) {
        double d = p.getAsDouble();
        if (!Double.isFinite(d)) {
          throw KvException.invalid(field
              + " holds a number that is not finite (NaN or infinity)");
        }
        return new JsonValue.Num(d);
      }
      return new JsonValue.Str(p.getAsString());
    }
    if (v.isJsonArray()) {
      JsonArray a = v.getAsJsonArray();
      java.util.List<JsonValue> elements = new java.util.ArrayList<>(a.size());
      for (int i = 0; i < a.size(); i++) {
        elements.add(document(a.get(i), field + "[" + i + "]", depth + 1));
      }
      return new JsonValue.Arr(elements);
    }
    Map<String, JsonValue> fields = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : v.getAsJsonObject().entrySet()) {
      fields.put(e.getKey(), document(e.getValue(), field + "." + e.getKey(), depth + 1));
    }
    return new JsonValue.Obj(fields);
  }

  static JsonElement toJson(JsonValue doc) {
    if (doc instanceof JsonValue.Bool b) {
      return new JsonPrimitive(b.value());
    } else if (doc instanceof JsonValue.Num n) {
      double d = n.value();
      // Integral values print as integers, as JavaScript writes them.
      return d == Math.rint(d) && Math.abs(d) < 1e15 && !(d == 0 && 1 / d < 0)
          ? new JsonPrimitive((long) d) : new JsonPrimitive(d);
    } else if (doc instanceof JsonValue.Str s) {
      return new JsonPrimitive(s.value());
    } else if (doc instanceof JsonValue.Arr a) {
      JsonArray out = new JsonArray(a.elements().size());
      a.elements().forEach(e -> out.add(toJson(e)));
      return out;
    } else if (doc instanceof JsonValue.Obj o) {
      JsonObject out = new JsonObject();
      o.fields().forEach((k, v) -> out.add(k, toJson(v)));
      return out;
    }
    return JsonNull.INSTANCE;
  }
}
