package dev.atomkv.client;

import java.util.Objects;

/**
 * Attribute conditions on a JSON document (Atlassian Forge's transaction conditions), for {@link
 * AtomicOperation#check(Key, Filter)} and, through {@link Where}, a conditional set or delete.
 * Start one with {@link #and} (every condition must hold) or {@link #or} (at least one must hold)
 * and chain more of the same kind:
 *
 * <pre>{@code
 * import static dev.atomkv.client.Condition.*;
 *
 * Filter smiths = Filter.and("surname", beginsWith("S")).and("age", greaterThan(30));
 * Filter either = Filter.or("role", equalTo("admin")).or("owner", equalTo(true));
 * }</pre>
 *
 * <p>An attribute is a dotted path into nested objects, {@code "address.city"}; a literal dot in
 * a field name is written {@code \.} and a literal backslash {@code \\}, or let {@link #path}
 * escape the field names. A path through a non-object or to an absent field names a missing
 * attribute.
 *
 * <p>Filters are immutable; chaining returns a new one. The chain methods live on {@link
 * AttributeFilter}, the one implementation (Java cannot have a static and an instance {@code
 * and(String, Condition)} on one type), so keep that type (or {@code var}) to chain later.
 */
public sealed interface Filter permits AttributeFilter {
  /**
   * A filter that holds when every one of its conditions holds (Forge's {@code and}, MATCH_ALL),
   * starting with this one.
   *
   * @throws IllegalArgumentException if the attribute is empty, has an empty field name or a bad
   *     escape
   */
  static AttributeFilter and(String attribute, Condition condition) {
    return AttributeFilter.start(false, attribute, condition);
  }

  /**
   * A filter that holds when at least one of its conditions holds (Forge's {@code or}, MATCH_ANY),
   * starting with this one.
   *
   * @throws IllegalArgumentException if the attribute is empty, has an empty field name or a bad
   *     escape
   */
  static AttributeFilter or(String attribute, Condition condition) {
    return AttributeFilter.start(true, attribute, condition);
  }

  /**
   * The attribute naming a nested field, outermost first, with dots and backslashes in the names
   * escaped: {@code path("address", "city")} is {@code address.city}, and {@code path("a.b")} is
   * {@code a\.b}, the single field {@code a.b}.
   *
   * @throws IllegalArgumentException if there are no names or a name is empty
   */
  static String path(String... fieldNames) {
    if (fieldNames.length == 0) {
      throw new IllegalArgumentException("a path needs at least one field name");
    }
    StringBuilder out = new StringBuilder();
    for (String name : fieldNames) {
      Objects.requireNonNull(name, "field name");
      if (name.isEmpty()) {
        throw new IllegalArgumentException("field names must not be empty");
      }
      if (out.length() > 0) {
        out.append('.');
      }
      for (int i = 0; i < name.length(); i++) {
        char c = name.charAt(i);
        if (c == '.' || c == '\\') {
          out.append('\\');
        }
        out.append(c);
      }
    }
    return out.toString();
  }
}
