package dev.atomkv.server.model;

import java.util.List;
import java.util.Objects;

/**
 * Forge-style attribute conditions over a json document: all of them ({@code any == false}) or
 * at least one.
 */
public record Filter(boolean any, List<Condition> conditions) {
  public Filter {
    conditions = List.copyOf(conditions);
  }

  public static Filter of(boolean any, List<Condition> conditions, String where) {
    if (conditions.isEmpty()) {
      throw KvException.invalid(where + ": a filter needs at least one condition");
    }
    return new Filter(any, conditions);
  }

  public boolean matches(JsonValue document) {
    for (Condition c : conditions) {
      boolean holds = holds(c, document);
      if (holds == any) {
        return any;
      }
    }
    return !any;
  }

  private static boolean holds(Condition c, JsonValue document) {
    JsonValue attr = lookup(document, c.path());
    List<JsonValue> vals = c.values();
    return switch (c.op()) {
      case EXISTS -> attr != null;
      case NOT_EXISTS -> attr == null;
      case EQUAL_TO -> attr != null && jsonEquals(attr, vals.get(0));
      case NOT_EQUAL_TO -> attr == null || !jsonEquals(attr, vals.get(0));
      case GREATER_THAN -> compare(attr, vals.get(0)) > 0;
      case GREATER_THAN_EQUAL_TO -> compare(attr, vals.get(0)) >= 0;
      case LESS_THAN -> compareOrAbove(attr, vals.get(0)) < 0;
      case LESS_THAN_EQUAL_TO -> compareOrAbove(attr, vals.get(0)) <= 0;
      case BETWEEN -> compare(attr, vals.get(0)) >= 0 && compareOrAbove(attr, vals.get(1)) <= 0;
      case BEGINS_WITH -> attr instanceof JsonValue.Str s
          && s.value().startsWith(((JsonValue.Str) vals.get(0)).value());
      case CONTAINS -> contains(attr, vals.get(0));
      case NOT_CONTAINS -> !contains(attr, vals.get(0));
    };
  }

  /** The attribute at {@code path}, or null when absent. */
  private static JsonValue lookup(JsonValue doc, List<String> path) {
    JsonValue cur = doc;
    for (String field : path) {
      if (!(cur instanceof JsonValue.Obj o)) {
        return null;
      }
      cur = o.fields().get(field);
      if (cur == null) {
        return null;
      }
    }
    return cur;
  }

  /** Comparison of same-typed string or number values; Integer.MIN_VALUE when not comparable. */
  private static int compare(JsonValue attr, JsonValue operand) {
    if (attr instanceof JsonValue.Num a && operand instanceof JsonValue.Num b) {
      return a.value() == b.value() ? 0 : (a.value() < b.value() ? -1 : 1);
    }
    if (attr instanceof JsonValue.Str a && operand instanceof JsonValue.Str b) {
      return Integer.signum(compareCodePoints(a.value(), b.value()));
    }
    return Integer.MIN_VALUE;
  }

  /** Like {@link #compare} but not comparable maps above every result, so "<" checks fail. */
  private static int compareOrAbove(JsonValue attr, JsonValue operand) {
    int c = compare(attr, operand);
    return c == Integer.MIN_VALUE ? Integer.MAX_VALUE : c;
  }

  /** Unicode code point order (not UTF-16 unit order, which misplaces supplementary chars). */
  static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Boolean.compare(i < a.length(), j < b.length());
  }

  private static boolean contains(JsonValue attr, JsonValue operand) {
    if (attr instanceof JsonValue.Str s) {
      return operand instanceof JsonValue.Str sub && s.value().contains(sub.value());
    }
    if (attr instanceof JsonValue.Arr arr) {
      return arr.elements().stream().anyMatch(e -> jsonEquals(e, operand));
    }
    return false;
  }

  /** Type-strict equality; numbers numerically (so 0.0 equals -0.0). */
  private static boolean jsonEquals(JsonValue a, JsonValue b) {
    if (a instanceof JsonValue.Num x && b instanceof JsonValue.Num y) {
      return x.value() == y.value();
    }
    return Objects.equals(a, b);
  }
}
