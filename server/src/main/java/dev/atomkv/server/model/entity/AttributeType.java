package dev.atomkv.server.model.entity;

import dev.atomkv.server.model.JsonValue;
import dev.atomkv.server.model.KeyPart;

/**
 * The attribute types of a custom entity (Forge's). Each knows which json values it admits and,
 * when it can be indexed, the key part its values sort by: a tuple part of one kind, so that
 * LMDB's byte order of index keys is the attributes' natural order.
 */
public enum AttributeType {
  STRING("string"),
  /** A 32-bit signed integer, as Forge stores it. */
  INTEGER("integer"),
  /** 0, or a magnitude between 1e-130 and 9.99...e125: what Forge's float type accepts. */
  FLOAT("float"),
  BOOLEAN("boolean"),
  /** Any json value; it cannot be indexed, since values of different types have no one order. */
  ANY("any");

  /**
   * Forge's float bounds (its backing store's numbers): 1e-130 inclusive up to 1e126 exclusive,
   * since 9.99...e125 with Forge's 38 digits rounds to 1e126 as a double.
   */
  static final double MIN_FLOAT_MAGNITUDE = 1e-130;
  static final double FLOAT_MAGNITUDE_LIMIT = 1e126;

  private final String wireName;

  AttributeType(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /** The type named {@code name} (string, integer, float, boolean, any), or null. */
  public static AttributeType named(String name) {
    for (AttributeType t : values()) {
      if (t.wireName.equals(name)) {
        return t;
      }
    }
    return null;
  }

  /** Whether an index may range over values of this type. */
  public boolean rangeIndexable() {
    return this == STRING || this == INTEGER || this == FLOAT;
  }

  /** Whether an index may partition by values of this type. */
  public boolean partitionIndexable() {
    return this != ANY;
  }

  /**
   * Why {@code value} is not of this type, or null when it is. A json null never gets here: it
   * counts as an absent attribute.
   */
  public String problem(JsonValue value) {
    return switch (this) {
      case ANY -> null;
      case STRING -> value instanceof JsonValue.Str ? null : "must be a string";
      case BOOLEAN -> value instanceof JsonValue.Bool ? null : "must be a boolean";
      case INTEGER -> {
        if (!(value instanceof JsonValue.Num n)) {
          yield "must be an integer";
        }
        double d = n.value();
        if (d != Math.rint(d)) {
          yield "must be an integer, got " + d;
        }
        yield d < Integer.MIN_VALUE || d > Integer.MAX_VALUE
            ? "must be a 32-bit signed integer (-2147483648..2147483647), got " + (long) d : null;
      }
      case FLOAT -> {
        if (!(value instanceof JsonValue.Num n)) {
          yield "must be a float";
        }
        double m = Math.abs(n.value());
        yield m == 0 || (m >= MIN_FLOAT_MAGNITUDE && m < FLOAT_MAGNITUDE_LIMIT) ? null
            : "must be 0 or have a magnitude between 1e-130 and 9.99e125, got " + n.value();
      }
    };
  }

  /**
   * The key part an index stores for {@code value}, which must be of this type. Integers become
   * integer parts and floats number parts, each of which the tuple encoding orders numerically;
   * -0.0 becomes 0.0 so that the two zeros, equal as json numbers, are one index value.
   */
  public KeyPart indexPart(JsonValue value) {
    return switch (this) {
      case STRING -> new KeyPart.Text(((JsonValue.Str) value).value());
      case BOOLEAN -> new KeyPart.Bool(((JsonValue.Bool) value).value());
      case INTEGER -> KeyPart.Int.of((long) ((JsonValue.Num) value).value());
      case FLOAT -> new KeyPart.Number(((JsonValue.Num) value).value() + 0.0);
      case ANY -> throw new IllegalStateException("an attribute of type any is never indexed");
    };
  }
}
