package dev.atomkv.cli;

import com.google.protobuf.Value;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvValue;
import dev.atomkv.client.WatchEvent;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The command line's JSON output: one compact object per line.
 *
 * <p>Values by kind: {@code string} as a JSON string, {@code json} as the document itself, {@code
 * u64} as a decimal string (it is 64-bit, beyond JSON's exact integers), {@code bytes} and {@code
 * v8} as standard base64 strings. The {@code kind} field says which. Versionstamps are 20 lowercase
 * hex characters; {@code expiresAt} is an ISO-8601 instant or null.
 */
public final class JsonOut {
  private JsonOut() {}

  /** The kind's name as printed: string, bytes, u64, json or v8. */
  public static String kind(KvValue value) {
    return value.kind().name().toLowerCase();
  }

  /** The value as JSON text (see the class comment). */
  public static String value(KvValue value) {
    return switch (value.kind()) {
      case STRING -> quote(value.asString());
      case BYTES -> quote(Base64.getEncoder().encodeToString(value.asBytes()));
      case V8 -> quote(Base64.getEncoder().encodeToString(value.asV8()));
      case U64 -> quote(Long.toUnsignedString(value.asU64()));
      case JSON -> json(value.asJson());
    };
  }

  /**
   * One entry: {@code {"key":"users/42n","kind":"string","value":"Ada","versionstamp":"...",
   * "expiresAt":null}}; a missing key has null kind, value, versionstamp and expiresAt.
   */
  public static String entry(KvEntry e) {
    StringBuilder out = new StringBuilder("{\"key\":").append(quote(KeySyntax.format(e.key())));
    if (!e.exists()) {
      return out.append(",\"kind\":null,\"value\":null,\"versionstamp\":null,\"expiresAt\":null}").toString();
    }
    out.append(",\"kind\":").append(quote(kind(e.value())));
    out.append(",\"value\":").append(value(e.value()));
    out.append(",\"versionstamp\":").append(quote(e.versionstamp().toString()));
    out.append(",\"expiresAt\":").append(e.expiresAt() == null ? "null" : quote(e.expiresAt().toString()));
    return out.append('}').toString();
  }

  /**
   * One watch event: {@code {"readVersionstamp":"...","entries":[...]}}, each entry as
   * {@link #entry} prints it with {@code "changed":true|false} added.
   */
  public static String watchEvent(WatchEvent event) {
    StringBuilder out = new StringBuilder("{\"readVersionstamp\":")
        .append(quote(event.readVersionstamp().toString())).append(",\"entries\":[");
    for (int i = 0; i < event.entries().size(); i++) {
      String e = entry(event.entries().get(i));
      out.append(i == 0 ? "" : ",").append(e, 0, e.length() - 1)
          .append(",\"changed\":").append(event.changed(i)).append('}');
    }
    return out.append("]}").toString();
  }

  /** A protobuf JSON value as compact JSON; integral numbers below 2^53 print without a fraction. */
  public static String json(Value v) {
    return switch (v.getKindCase()) {
      case NULL_VALUE, KIND_NOT_SET -> "null";
      case NUMBER_VALUE -> number(v.getNumberValue());
      case STRING_VALUE -> quote(v.getStringValue());
      case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
      case STRUCT_VALUE -> {
        StringJoiner out = new StringJoiner(",", "{", "}");
        for (Map.Entry<String, Value> field : v.getStructValue().getFieldsMap().entrySet()) {
          out.add(quote(field.getKey()) + ":" + json(field.getValue()));
        }
        yield out.toString();
      }
      case LIST_VALUE -> {
        StringJoiner out = new StringJoiner(",", "[", "]");
        for (Value element : v.getListValue().getValuesList()) {
          out.add(json(element));
        }
        yield out.toString();
      }
    };
  }

  static String number(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      return quote(Double.toString(d)); // not JSON numbers; the server rejects them anyway
    }
    if (d == Math.rint(d) && Math.abs(d) < 0x1p53 && !(d == 0 && 1 / d < 0)) {
      return Long.toString((long) d);
    }
    return Double.toString(d);
  }

  /** A list of ints as a JSON array. */
  static String ints(List<Integer> values) {
    StringJoiner out = new StringJoiner(",", "[", "]");
    values.forEach(v -> out.add(Integer.toUnsignedString(v)));
    return out.toString();
  }

  /** A JSON string literal. */
  public static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
