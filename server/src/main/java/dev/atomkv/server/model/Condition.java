package dev.atomkv.server.model;

import java.util.ArrayList;
import java.util.List;

/**
 * One condition on one attribute of a document. Construct with {@link #of}, which validates the
 * operands so that evaluation never meets a malformed condition.
 *
 * @param path the attribute's field names, outermost first
 */
public record Condition(List<String> path, Operator op, List<JsonValue> values) {
  public Condition {
    path = List.copyOf(path);
    values = List.copyOf(values);
  }

  /**
   * Validates and builds a condition; failures are INVALID_ARGUMENT messages prefixed by
   * {@code where} (e.g. "checks[2].where.conditions[0]").
   */
  public static Condition of(String attribute, Operator op, List<JsonValue> values, String where) {
    List<String> path = parsePath(attribute, where);
    List<JsonValue> operands = values;
    if ((op == Operator.EXISTS || op == Operator.NOT_EXISTS) && values.size() == 1
        && values.get(0) instanceof JsonValue.Bool b && b.value()) {
      operands = List.of(); // Forge sends [true]
    }
    if (operands.size() < op.minValues() || operands.size() > op.maxValues()) {
      throw KvException.invalid(where + ": " + op + " takes "
          + (op.minValues() == 0 ? "no value (or [true])" : op.minValues() + " value"
          + (op.minValues() == 1 ? "" : "s")) + ", got " + values.size());
    }
    for (JsonValue v : operands) {
      if (v instanceof JsonValue.Num n && !Double.isFinite(n.value())) {
        throw KvException.invalid(where + ": values must be finite numbers");
      }
      boolean ok = switch (op) {
        case EQUAL_TO, NOT_EQUAL_TO, CONTAINS, NOT_CONTAINS -> v instanceof JsonValue.Str
            || v instanceof JsonValue.Num || v instanceof JsonValue.Bool;
        case GREATER_THAN, GREATER_THAN_EQUAL_TO, LESS_THAN, LESS_THAN_EQUAL_TO, BETWEEN ->
            v instanceof JsonValue.Str || v instanceof JsonValue.Num;
        case BEGINS_WITH -> v instanceof JsonValue.Str;
        default -> false;
      };
      if (!ok) {
        throw KvException.invalid(where + ": " + op + " does not take a value of type "
            + typeName(v));
      }
    }
    if (op == Operator.BETWEEN && operands.get(0).getClass() != operands.get(1).getClass()) {
      throw KvException.invalid(where + ": BETWEEN takes two values of one type");
    }
    return new Condition(path, op, operands);
  }

  /** Splits "a.b\.c" into [a, b.c]; "\\" is a literal backslash. */
  static List<String> parsePath(String attribute, String where) {
    if (attribute.isEmpty()) {
      throw KvException.invalid(where + ": attribute must not be empty");
    }
    List<String> parts = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (int i = 0; i < attribute.length(); i++) {
      char c = attribute.charAt(i);
      if (c == '\\') {
        if (i + 1 >= attribute.length()
            || (attribute.charAt(i + 1) != '.' && attribute.charAt(i + 1) != '\\')) {
          throw KvException.invalid(where + ": attribute has a bad escape (use \\. or \\\\)");
        }
        cur.append(attribute.charAt(++i));
      } else if (c == '.') {
        parts.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    parts.add(cur.toString());
    if (parts.stream().anyMatch(String::isEmpty)) {
      throw KvException.invalid(where + ": attribute has an empty field name");
    }
    return parts;
  }

  static String typeName(JsonValue v) {
    if (v instanceof JsonValue.Str) {
      return "string";
    } else if (v instanceof JsonValue.Num) {
      return "number";
    } else if (v instanceof JsonValue.Bool) {
      return "bool";
    } else if (v instanceof JsonValue.Null) {
      return "null";
    } else if (v instanceof JsonValue.Arr) {
      return "array";
    }
    return "object";
  }
}
