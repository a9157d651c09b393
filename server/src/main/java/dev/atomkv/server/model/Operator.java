package dev.atomkv.server.model;

/** Forge's condition operators (SPEC §4). */
public enum Operator {
  EQUAL_TO(1, 1),
  NOT_EQUAL_TO(1, 1),
  GREATER_THAN(1, 1),
  GREATER_THAN_EQUAL_TO(1, 1),
  LESS_THAN(1, 1),
  LESS_THAN_EQUAL_TO(1, 1),
  BETWEEN(2, 2),
  BEGINS_WITH(1, 1),
  CONTAINS(1, 1),
  NOT_CONTAINS(1, 1),
  EXISTS(0, 0),
  NOT_EXISTS(0, 0);

  private final int minValues;
  private final int maxValues;

  Operator(int minValues, int maxValues) {
    this.minValues = minValues;
    this.maxValues = maxValues;
  }

  int minValues() {
    return minValues;
  }

  int maxValues() {
    return maxValues;
  }
}
