package dev.atomkv.client;

import static dev.atomkv.client.Condition.beginsWith;
import static dev.atomkv.client.Condition.between;
import static dev.atomkv.client.Condition.contains;
import static dev.atomkv.client.Condition.equalTo;
import static dev.atomkv.client.Condition.exists;
import static dev.atomkv.client.Condition.greaterThan;
import static dev.atomkv.client.Condition.greaterThanEqualTo;
import static dev.atomkv.client.Condition.lessThan;
import static dev.atomkv.client.Condition.lessThanEqualTo;
import static dev.atomkv.client.Condition.notContains;
import static dev.atomkv.client.Condition.notEqualTo;
import static dev.atomkv.client.Condition.notExists;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Value;
import dev.atomkv.proto.v1.Match;
import dev.atomkv.proto.v1.Operator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FilterTest {
  private static Value str(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }

  private static Value num(double d) {
    return Value.newBuilder().setNumberValue(d).build();
  }

  private static Value bool(boolean b) {
    return Value.newBuilder().setBoolValue(b).build();
  }

  private static dev.atomkv.proto.v1.Condition wire(String attribute, Operator op, Value... values) {
    return dev.atomkv.proto.v1.Condition.newBuilder()
        .setAttribute(attribute).setOp(op).addAllValues(List.of(values)).build();
  }

  static Stream<Arguments> factories() {
    return Stream.of(
        Arguments.of(equalTo("Smith"), Operator.OPERATOR_EQUAL_TO, List.of(str("Smith"))),
        Arguments.of(equalTo(1), Operator.OPERATOR_EQUAL_TO, List.of(num(1))),
        Arguments.of(equalTo(true), Operator.OPERATOR_EQUAL_TO, List.of(bool(true))),
        Arguments.of(notEqualTo(2.5), Operator.OPERATOR_NOT_EQUAL_TO, List.of(num(2.5))),
        Arguments.of(greaterThan(30), Operator.OPERATOR_GREATER_THAN, List.of(num(30))),
        Arguments.of(greaterThanEqualTo("m"), Operator.OPERATOR_GREATER_THAN_EQUAL_TO, List.of(str("m"))),
        Arguments.of(lessThan(10L), Operator.OPERATOR_LESS_THAN, List.of(num(10))),
        Arguments.of(lessThanEqualTo(-1), Operator.OPERATOR_LESS_THAN_EQUAL_TO, List.of(num(-1))),
        Arguments.of(between(18, 65), Operator.OPERATOR_BETWEEN, List.of(num(18), num(65))),
        Arguments.of(between("b", "a"), Operator.OPERATOR_BETWEEN, List.of(str("b"), str("a"))),
        Arguments.of(beginsWith("S"), Operator.OPERATOR_BEGINS_WITH, List.of(str("S"))),
        Arguments.of(contains("admin"), Operator.OPERATOR_CONTAINS, List.of(str("admin"))),
        Arguments.of(contains(false), Operator.OPERATOR_CONTAINS, List.of(bool(false))),
        Arguments.of(notContains(7), Operator.OPERATOR_NOT_CONTAINS, List.of(num(7))),
        Arguments.of(exists(), Operator.OPERATOR_EXISTS, List.of()),
        Arguments.of(notExists(), Operator.OPERATOR_NOT_EXISTS, List.of()));
  }

  @ParameterizedTest
  @MethodSource("factories")
  void eachFactoryMapsToItsOperatorAndValues(Condition condition, Operator op, List<Value> values) {
    dev.atomkv.proto.v1.Filter wire = ProtoMapping.toProto(Filter.and("a", condition));
    assertEquals(List.of(wire("a", op, values.toArray(Value[]::new))), wire.getConditionsList());
  }

  @Test
  void andIsMatchAll() {
    Filter filter = Filter.and("surname", beginsWith("S")).and("age", greaterThan(30));

    assertEquals(dev.atomkv.proto.v1.Filter.newBuilder()
        .setMatch(Match.MATCH_ALL)
        .addConditions(wire("surname", Operator.OPERATOR_BEGINS_WITH, str("S")))
        .addConditions(wire("age", Operator.OPERATOR_GREATER_THAN, num(30)))
        .build(), ProtoMapping.toProto(filter));
  }

  @Test
  void orIsMatchAny() {
    Filter filter = Filter.or("role", equalTo("admin")).or("owner", equalTo(true)).or("x", exists());

    assertEquals(dev.atomkv.proto.v1.Filter.newBuilder()
        .setMatch(Match.MATCH_ANY)
        .addConditions(wire("role", Operator.OPERATOR_EQUAL_TO, str("admin")))
        .addConditions(wire("owner", Operator.OPERATOR_EQUAL_TO, bool(true)))
        .addConditions(wire("x", Operator.OPERATOR_EXISTS))
        .build(), ProtoMapping.toProto(filter));
  }

  @Test
  void oneConditionIsExplicitAboutItsMatch() {
    assertEquals(Match.MATCH_ALL, ProtoMapping.toProto(Filter.and("a", exists())).getMatch());
    assertEquals(Match.MATCH_ANY, ProtoMapping.toProto(Filter.or("a", exists())).getMatch());
  }

  @Test
  void andAndOrDoNotMix() {
    assertThrows(IllegalStateException.class, () -> Filter.and("a", exists()).or("b", exists()));
    assertThrows(IllegalStateException.class, () -> Filter.or("a", exists()).and("b", exists()));
    assertThrows(IllegalStateException.class, () -> Filter.or("a", exists()).or("b", exists()).and("c", exists()));
  }

  @Test
  void filtersAreImmutable() {
    AttributeFilter one = Filter.and("a", exists());
    AttributeFilter two = one.and("b", notExists());

    assertEquals(1, one.size());
    assertEquals(2, two.size());
    assertFalse(two.matchesAny());
    assertTrue(Filter.or("a", exists()).matchesAny());
    assertEquals(1, ProtoMapping.toProto(one).getConditionsCount());
  }

  @Test
  void equalityAndToString() {
    assertEquals(Filter.and("a", between(1, 2)), Filter.and("a", between(1.0, 2L)));
    assertEquals(Filter.and("a", between(1, 2)).hashCode(), Filter.and("a", between(1.0, 2L)).hashCode());
    assertNotEquals(Filter.and("a", exists()), Filter.or("a", exists()));
    assertNotEquals(equalTo(1), equalTo("1"));
    assertNotEquals(equalTo(1), notEqualTo(1));
    assertEquals("Filter.and(\"surname\", beginsWith(\"S\")).and(\"age\", greaterThan(30))",
        Filter.and("surname", beginsWith("S")).and("age", greaterThan(30)).toString());
    assertEquals("Filter.or(\"n\", between(1.5, 2)).or(\"e\", exists())",
        Filter.or("n", between(1.5, 2)).or("e", exists()).toString());
  }

  @Test
  void operandTypesAreChecked() {
    List<Supplier<Condition>> bad = List.of(
        () -> equalTo(null),
        () -> equalTo(Map.of()),
        () -> equalTo(List.of(1)),
        () -> equalTo(new Object()),
        () -> notEqualTo('c'),
        () -> greaterThan(true),
        () -> greaterThanEqualTo(null),
        () -> lessThan(List.of()),
        () -> lessThanEqualTo(false),
        () -> between(1, "2"),
        () -> between(true, false),
        () -> between(null, 1),
        () -> contains(null),
        () -> notContains(Map.of("a", 1)),
        () -> equalTo(Double.NaN),
        () -> greaterThan(Double.POSITIVE_INFINITY));
    for (Supplier<Condition> factory : bad) {
      assertThrows(IllegalArgumentException.class, factory::get);
    }
    assertThrows(NullPointerException.class, () -> beginsWith(null));
  }

  @Test
  void attributesAreCheckedAsTheServerDoes() {
    for (String bad : List.of("", ".", "a.", ".a", "a..b", "a\\", "a\\b", "a\\.b\\")) {
      assertThrows(IllegalArgumentException.class, () -> Filter.and(bad, exists()), bad);
      assertThrows(IllegalArgumentException.class, () -> Filter.or("ok", exists()).or(bad, exists()), bad);
    }
    for (String good : List.of("a", "address.city", "a\\.b", "a\\\\", "\\\\.x", "a.b.c")) {
      assertEquals(good, ProtoMapping.toProto(Filter.and(good, exists())).getConditions(0).getAttribute());
    }
    assertThrows(NullPointerException.class, () -> Filter.and(null, exists()));
    assertThrows(NullPointerException.class, () -> Filter.and("a", null));
  }

  @Test
  void pathEscapesFieldNames() {
    assertEquals("address.city", Filter.path("address", "city"));
    assertEquals("a\\.b", Filter.path("a.b"));
    assertEquals("back\\\\slash.x", Filter.path("back\\slash", "x"));
    assertEquals("solo", Filter.path("solo"));
    assertThrows(IllegalArgumentException.class, () -> Filter.path());
    assertThrows(IllegalArgumentException.class, () -> Filter.path("a", ""));
    assertThrows(NullPointerException.class, () -> Filter.path("a", null));
    // every escaped path is accepted
    Filter.and(Filter.path("a.b", "c\\d", "..."), exists());
  }
}
