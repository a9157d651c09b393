package dev.atomkv.client;

import dev.atomkv.proto.v1.RangeOperator;
import java.util.List;
import java.util.Objects;

/**
 * A condition on the range attribute of the index a query reads (Forge's {@code WhereConditions}):
 * it selects one contiguous stretch of the index, so only matching entries are read. Operands
 * have the attribute's type: a String, or a Number (an integer inside 32 bits for an integer
 * attribute).
 *
 * <pre>{@code
 * import static dev.atomkv.client.RangeCondition.*;
 * kv.entity("employee").query().index("by-age").where(between(30, 40)).page();
 * }</pre>
 */
public final class RangeCondition {
  final RangeOperator op;
  final List<Object> operands;

  private RangeCondition(RangeOperator op, Object... operands) {
    this.op = op;
    for (Object o : operands) {
      Objects.requireNonNull(o, "operand");
    }
    this.operands = List.of(operands);
  }

  public static RangeCondition equalTo(Object value) {
    return new RangeCondition(RangeOperator.RANGE_OPERATOR_EQUAL_TO, value);
  }

  /** String attributes only. */
  public static RangeCondition beginsWith(String prefix) {
    return new RangeCondition(RangeOperator.RANGE_OPERATOR_BEGINS_WITH, prefix);
  }

  /** Both ends included; nothing when {@code from} is greater than {@code to}. */
  public static RangeCondition between(Object from, Object to) {
    return new RangeCondition(RangeOperator.RANGE_OPERATOR_BETWEEN, from, to);
  }

  public static RangeCondition greaterThan(Object value) {
    return new RangeCondition(RangeOperator.RANGE_OPERATOR_GREATER_THAN, value);
  }

  public static RangeCondition greaterThanEqualTo(Object value) {
    return new RangeCondition(RangeOperator.RANGE_OPERATOR_GREATER_THAN_EQUAL_TO, value);
  }

  public static RangeCondition lessThan(Object value) {
    return new RangeCondition(RangeOperator.RANGE_OPERATOR_LESS_THAN, value);
  }

  public static RangeCondition lessThanEqualTo(Object value) {
    return new RangeCondition(RangeOperator.RANGE_OPERATOR_LESS_THAN_EQUAL_TO, value);
  }

  dev.atomkv.proto.v1.RangeCondition toProto() {
    dev.atomkv.proto.v1.RangeCondition.Builder b =
        dev.atomkv.proto.v1.RangeCondition.newBuilder().setOp(op);
    operands.forEach(o -> b.addValues(Json.toValue(o)));
    return b.build();
  }
}
