package dev.atomkv.client;

import com.google.protobuf.Value;
import dev.atomkv.proto.v1.Operator;
import java.util.List;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * An immutable comparison for one attribute of a JSON document (one of Atlassian Forge's
 * transaction conditions); a {@link Filter} pairs it with the attribute it applies to. Build one
 * with the static factories, which read well imported:
 *
 * <pre>{@code
 * import static dev.atomkv.client.Condition.*;
 *
 * Filter.and("surname", beginsWith("S")).and("age", greaterThan(30))
 * }</pre>
 *
 * <p>Comparisons are type-strict: the number 1 never equals the string "1", and an operand of
 * another type than the attribute makes every comparison false (and every negated one true).
 * Numbers compare numerically, strings by Unicode code point. Operands are {@code String}, {@code
 * Number} (sent as a double; NaN and infinities are rejected) or {@code Boolean}, as each factory
 * says; anything else, including {@code null}, is an {@link IllegalArgumentException}.
 */
public final class Condition {
  private final Operator operator;
  private final List<Value> values;

  private Condition(Operator operator, List<Value> values) {
    this.operator = operator;
    this.values = List.copyOf(values);
  }

  /** The attribute equals the string, number or boolean. A missing attribute is not equal. */
  public static Condition equalTo(Object value) {
    return one(Operator.OPERATOR_EQUAL_TO, "equalTo", value, Operands.SCALAR);
  }

  /** The attribute does not equal the string, number or boolean; true for a missing attribute. */
  public static Condition notEqualTo(Object value) {
    return one(Operator.OPERATOR_NOT_EQUAL_TO, "notEqualTo", value, Operands.SCALAR);
  }

  /** The attribute is greater than the string or number. Missing or of another type: false. */
  public static Condition greaterThan(Object value) {
    return one(Operator.OPERATOR_GREATER_THAN, "greaterThan", value, Operands.ORDERED);
  }

  /** The attribute is greater than or equal to the string or number. Missing or of another type: false. */
  public static Condition greaterThanEqualTo(Object value) {
    return one(Operator.OPERATOR_GREATER_THAN_EQUAL_TO, "greaterThanEqualTo", value, Operands.ORDERED);
  }

  /** The attribute is less than the string or number. Missing or of another type: false. */
  public static Condition lessThan(Object value) {
    return one(Operator.OPERATOR_LESS_THAN, "lessThan", value, Operands.ORDERED);
  }

  /** The attribute is less than or equal to the string or number. Missing or of another type: false. */
  public static Condition lessThanEqualTo(Object value) {
    return one(Operator.OPERATOR_LESS_THAN_EQUAL_TO, "lessThanEqualTo", value, Operands.ORDERED);
  }

  /**
   * {@code from <= attribute <= to}, both ends included; {@code from <= to} is not required. Both
   * operands are strings or both are numbers. Missing or of another type: false.
   */
  public static Condition between(Object from, Object to) {
    Value a = operand("between", from, Operands.ORDERED);
    Value b = operand("between", to, Operands.ORDERED);
    if (a.getKindCase() != b.getKindCase()) {
      throw new IllegalArgumentException("between takes two values of one type, got "
          + Text.jsonType(a) + " and " + Text.jsonType(b));
    }
    return new Condition(Operator.OPERATOR_BETWEEN, List.of(a, b));
  }

  /** The attribute is a string starting with {@code prefix}. Missing or of another type: false. */
  public static Condition beginsWith(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    return one(Operator.OPERATOR_BEGINS_WITH, "beginsWith", prefix, Operands.SCALAR);
  }

  /**
   * A string attribute has {@code value} (then a string) as a substring, or an array attribute has
   * an element equal to the string, number or boolean. Missing or of another type: false.
   */
  public static Condition contains(Object value) {
    return one(Operator.OPERATOR_CONTAINS, "contains", value, Operands.SCALAR);
  }

  /** The negation of {@link #contains(Object)}: true for a missing attribute. */
  public static Condition notContains(Object value) {
    return one(Operator.OPERATOR_NOT_CONTAINS, "notContains", value, Operands.SCALAR);
  }

  /** The attribute is present (a JSON null is present). */
  public static Condition exists() {
    return new Condition(Operator.OPERATOR_EXISTS, List.of());
  }

  /** The attribute is absent. On a conditional set, {@code notExists()} on any attribute means "create only". */
  public static Condition notExists() {
    return new Condition(Operator.OPERATOR_NOT_EXISTS, List.of());
  }

  /** The wire operator. */
  Operator operator() {
    return operator;
  }

  /** The wire operands. */
  List<Value> values() {
    return values;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Condition c && c.operator == operator && c.values.equals(values);
  }

  @Override
  public int hashCode() {
    return 31 * operator.hashCode() + values.hashCode();
  }

  /** As written in Java: {@code beginsWith("S")}, {@code between(1, 5)}, {@code exists()}. */
  @Override
  public String toString() {
    StringJoiner out = new StringJoiner(", ", name(operator) + "(", ")");
    for (Value v : values) {
      out.add(Text.json(v));
    }
    return out.toString();
  }

  private static String name(Operator op) {
    return switch (op) {
      case OPERATOR_EQUAL_TO -> "equalTo";
      case OPERATOR_NOT_EQUAL_TO -> "notEqualTo";
      case OPERATOR_GREATER_THAN -> "greaterThan";
      case OPERATOR_GREATER_THAN_EQUAL_TO -> "greaterThanEqualTo";
      case OPERATOR_LESS_THAN -> "lessThan";
      case OPERATOR_LESS_THAN_EQUAL_TO -> "lessThanEqualTo";
      case OPERATOR_BETWEEN -> "between";
      case OPERATOR_BEGINS_WITH -> "beginsWith";
      case OPERATOR_CONTAINS -> "contains";
      case OPERATOR_NOT_CONTAINS -> "notContains";
      case OPERATOR_EXISTS -> "exists";
      case OPERATOR_NOT_EXISTS -> "notExists";
      case OPERATOR_UNSPECIFIED, UNRECOGNIZED -> op.name();
    };
  }

  /** Which operand types a factory takes. */
  private enum Operands {
    /** String, number or boolean. */
    SCALAR,
    /** String or number. */
    ORDERED
  }

  private static Condition one(Operator op, String factory, Object value, Operands allowed) {
    return new Condition(op, List.of(operand(factory, value, allowed)));
  }

  private static Value operand(String factory, Object value, Operands allowed) {
    String expected = allowed == Operands.SCALAR ? "a string, number or boolean" : "a string or number";
    if (!(value instanceof String || value instanceof Number || value instanceof Boolean
        || value instanceof Value)) {
      throw new IllegalArgumentException(factory + " takes " + expected + ", got "
          + (value == null ? "null" : value.getClass().getName()));
    }
    Value v = Json.toValue(value);
    boolean ok = switch (v.getKindCase()) {
      case STRING_VALUE, NUMBER_VALUE -> true;
      case BOOL_VALUE -> allowed == Operands.SCALAR;
      default -> false;
    };
    if (!ok) {
      throw new IllegalArgumentException(factory + " takes " + expected + ", got " + Text.jsonType(v));
    }
    return v;
  }
}
