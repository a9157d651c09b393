package dev.atomkv.server.model;

/**
 * What a mutation does. sum, min and max take a u64 operand and need a u64 (or no) value; merge
 * runs the mutation's {@link ValueMerge} (KV Connect's sum of JavaScript numbers, named "sum" to
 * its users).
 */
public enum MutationKind {
  SET("set"),
  DELETE("delete"),
  SUM("sum"),
  MIN("min"),
  MAX("max"),
  MERGE("sum");

  private final String wireName;

  MutationKind(String wireName) {
    this.wireName = wireName;
  }

  /** The name users know the operation by, as it appears in error messages. */
  public String wireName() {
    return wireName;
  }

  /** Whether the mutation carries a value (counted twice in the total mutation size). */
  public boolean carriesValue() {
    return this != DELETE;
  }
}
