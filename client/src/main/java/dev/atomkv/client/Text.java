package dev.atomkv.client;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.math.BigDecimal;
import java.util.HexFormat;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/** Renders parts of keys and values for {@code toString()}: JSON-like, stable, readable. */
final class Text {
  private static final HexFormat HEX = HexFormat.of();

  private Text() {}

  static String hex(byte[] bytes) {
    return HEX.formatHex(bytes);
  }

  /** A JSON string literal. */
  static String quote(String s) {
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
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  /** A double as JavaScript prints it: {@code 1}, {@code 1.5}, {@code -0}, {@code NaN}, {@code Infinity}. */
  static String number(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    if (d == 0) {
      return (1 / d < 0) ? "-0" : "0";
    }
    double abs = Math.abs(d);
    if (abs >= 1e-6 && abs < 1e21) {
      return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }
    return Double.toString(d);
  }

  /** A JSON value as compact JSON text, object fields sorted by name so equal documents print the same. */
  static String json(Value v) {
    return switch (v.getKindCase()) {
      case NULL_VALUE, KIND_NOT_SET -> "null";
      case NUMBER_VALUE -> number(v.getNumberValue());
      case STRING_VALUE -> quote(v.getStringValue());
      case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
      case STRUCT_VALUE -> json(v.getStructValue());
      case LIST_VALUE -> json(v.getListValue());
    };
  }

  private static String json(Struct s) {
    StringJoiner out = new StringJoiner(",", "{", "}");
    for (Map.Entry<String, Value> field : new TreeMap<>(s.getFieldsMap()).entrySet()) {
      out.add(quote(field.getKey()) + ":" + json(field.getValue()));
    }
    return out.toString();
  }

  private static String json(ListValue l) {
    StringJoiner out = new StringJoiner(",", "[", "]");
    for (Value element : l.getValuesList()) {
      out.add(json(element));
    }
    return out.toString();
  }

  /** The JSON type of a value: object, array, string, number, boolean or null. */
  static String jsonType(Value v) {
    return switch (v.getKindCase()) {
      case NULL_VALUE, KIND_NOT_SET -> "null";
      case NUMBER_VALUE -> "number";
      case STRING_VALUE -> "string";
      case BOOL_VALUE -> "boolean";
      case STRUCT_VALUE -> "object";
      case LIST_VALUE -> "array";
    };
  }
}
