package dev.atomkv.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@link Filter}: attribute conditions combined one way, all ({@link Filter#and}) or any
 * ({@link Filter#or}). Immutable; {@link #and} and {@link #or} return a new filter with one more
 * condition. A filter combines its conditions one way only (Forge's filters do not nest), so
 * adding with {@code or} to a filter started with {@code and}, or the reverse, is an {@link
 * IllegalStateException}.
 */
public final class AttributeFilter implements Filter {
  /** One condition of the filter, on one attribute. */
  record Term(String attribute, Condition condition) {}

  private final boolean any;
  private final List<Term> terms;

  private AttributeFilter(boolean any, List<Term> terms) {
    this.any = any;
    this.terms = List.copyOf(terms);
  }

  static AttributeFilter start(boolean any, String attribute, Condition condition) {
    return new AttributeFilter(any, List.of(term(attribute, condition)));
  }

  /**
   * This filter and one more condition that must hold too.
   *
   * @throws IllegalStateException if this filter was started with {@link Filter#or}
   * @throws IllegalArgumentException if the attribute is empty, has an empty field name or a bad
   *     escape
   */
  public AttributeFilter and(String attribute, Condition condition) {
    return add(false, attribute, condition);
  }

  /**
   * This filter and one more condition, any one of which is enough.
   *
   * @throws IllegalStateException if this filter was started with {@link Filter#and}
   * @throws IllegalArgumentException if the attribute is empty, has an empty field name or a bad
   *     escape
   */
  public AttributeFilter or(String attribute, Condition condition) {
    return add(true, attribute, condition);
  }

  /** True when at least one condition must hold (started with {@link Filter#or}); false when all must. */
  public boolean matchesAny() {
    return any;
  }

  /** The number of conditions, at least one. */
  public int size() {
    return terms.size();
  }

  /** The conditions in the order they were added. */
  List<Term> terms() {
    return terms;
  }

  private AttributeFilter add(boolean anyWanted, String attribute, Condition condition) {
    if (anyWanted != any) {
      throw new IllegalStateException("cannot add with " + (anyWanted ? "or" : "and")
          + " to a filter started with " + (any ? "or" : "and") + ": filters combine conditions one way only");
    }
    List<Term> more = new ArrayList<>(terms.size() + 1);
    more.addAll(terms);
    more.add(term(attribute, condition));
    return new AttributeFilter(any, more);
  }

  private static Term term(String attribute, Condition condition) {
    Objects.requireNonNull(condition, "condition");
    checkAttribute(Objects.requireNonNull(attribute, "attribute"));
    return new Term(attribute, condition);
  }

  /** The server's rules: not empty, no empty field name, a backslash only before a dot or a backslash. */
  private static void checkAttribute(String attribute) {
    if (attribute.isEmpty()) {
      throw new IllegalArgumentException("attribute must not be empty");
    }
    boolean fieldEmpty = true;
    for (int i = 0; i < attribute.length(); i++) {
      char c = attribute.charAt(i);
      if (c == '\\') {
        if (i + 1 >= attribute.length() || (attribute.charAt(i + 1) != '.' && attribute.charAt(i + 1) != '\\')) {
          throw new IllegalArgumentException(
              "attribute " + Text.quote(attribute) + " has a bad escape (use \\. or \\\\)");
        }
        i++;
        fieldEmpty = false;
      } else if (c == '.') {
        if (fieldEmpty) {
          throw new IllegalArgumentException("attribute " + Text.quote(attribute) + " has an empty field name");
        }
        fieldEmpty = true;
      } else {
        fieldEmpty = false;
      }
    }
    if (fieldEmpty) {
      throw new IllegalArgumentException("attribute " + Text.quote(attribute) + " has an empty field name");
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AttributeFilter f && f.any == any && f.terms.equals(terms);
  }

  @Override
  public int hashCode() {
    return 31 * Boolean.hashCode(any) + terms.hashCode();
  }

  /** As written in Java: {@code Filter.and("surname", beginsWith("S")).and("age", greaterThan(30))}. */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder("Filter");
    for (Term t : terms) {
      out.append('.').append(any ? "or" : "and").append('(')
          .append(Text.quote(t.attribute())).append(", ").append(t.condition()).append(')');
    }
    return out.toString();
  }
}
