package dev.atomkv.server.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FilterTest {
  private static final JsonValue DOC = new JsonValue.Obj(Map.of(
      "name", str("Ada"),
      "age", num(36),
      "tags", new JsonValue.Arr(List.of(str("x"), num(1))),
      "address", new JsonValue.Obj(Map.of("city", str("Sydney"))),
      "a.b", num(1),
      "emoji", str("\uD83D\uDE00"),
      "nothing", new JsonValue.Null()));

  @ParameterizedTest(name = "{0} {1} {2} -> {3}")
  @CsvSource(delimiter = '|', value = {
      "name         | EQUAL_TO              | s:Ada      | true",
      "name         | EQUAL_TO              | s:ada      | false",
      "age          | EQUAL_TO              | s:36       | false",
      "missing      | EQUAL_TO              | s:Ada      | false",
      "missing      | NOT_EQUAL_TO          | s:Ada      | true",
      "age          | NOT_EQUAL_TO          | s:36       | true",
      "age          | GREATER_THAN          | n:35       | true",
      "age          | GREATER_THAN          | n:36       | false",
      "age          | GREATER_THAN          | s:35       | false",
      "age          | GREATER_THAN_EQUAL_TO | n:36       | true",
      "age          | LESS_THAN             | n:36       | false",
      "age          | LESS_THAN             | s:99       | false",
      "missing      | LESS_THAN             | n:99       | false",
      "age          | LESS_THAN_EQUAL_TO    | n:36       | true",
      "emoji        | GREATER_THAN          | s:\uFFFF   | true",
      "address.city | BEGINS_WITH           | s:Syd      | true",
      "address.city | BEGINS_WITH           | s:syd      | false",
      "age          | BEGINS_WITH           | s:3        | false",
      "name         | CONTAINS              | s:d        | true",
      "tags         | CONTAINS              | n:1        | true",
      "tags         | CONTAINS              | s:1        | false",
      "missing      | NOT_CONTAINS          | s:x        | true",
      "tags         | NOT_CONTAINS          | s:x        | false",
      "a\\.b        | EQUAL_TO              | n:1        | true",
      "a.b          | EXISTS                |            | false",
      "nothing      | EXISTS                |            | true",
      "address.zip  | NOT_EXISTS            |            | true",
      "name.first   | NOT_EXISTS            |            | true"})
  void operators(String attribute, Operator op, String operand, boolean expected) {
    List<JsonValue> values = operand == null ? List.of() : List.of(parse(operand));
    Filter f = Filter.of(false, List.of(Condition.of(attribute, op, values, "c")), "f");
    assertEquals(expected, f.matches(DOC));
  }

  @Test
  void betweenIsInclusiveAndTypeStrict() {
    assertTrue(between(num(36), num(40)).matches(DOC));
    assertTrue(between(num(30), num(36)).matches(DOC));
    assertEquals(false, between(num(37), num(40)).matches(DOC));
    assertThrows(KvException.class, () -> between(num(1), str("z")));
  }

  @Test
  void anyAndAll() {
    Condition yes = Condition.of("name", Operator.EXISTS, List.of(), "c");
    Condition no = Condition.of("zzz", Operator.EXISTS, List.of(new JsonValue.Bool(true)), "c");
    assertEquals(false, Filter.of(false, List.of(yes, no), "f").matches(DOC));
    assertEquals(true, Filter.of(true, List.of(no, yes), "f").matches(DOC));
    assertEquals(false, Filter.of(true, List.of(no), "f").matches(DOC));
  }

  @Test
  void malformedConditionsNameTheProblem() {
    KvException e = assertThrows(KvException.class,
        () -> Condition.of("name", Operator.EQUAL_TO, List.of(), "checks[1].where.conditions[0]"));
    assertEquals("checks[1].where.conditions[0]: EQUAL_TO takes 1 value, got 0", e.getMessage());
    assertThrows(KvException.class, () -> Condition.of("", Operator.EXISTS, List.of(), "c"));
    assertThrows(KvException.class,
        () -> Condition.of("a", Operator.BEGINS_WITH, List.of(num(1)), "c"));
    assertThrows(KvException.class, () -> Filter.of(false, List.of(), "f"));
  }

  private static Filter between(JsonValue a, JsonValue b) {
    return Filter.of(false, List.of(Condition.of("age", Operator.BETWEEN, List.of(a, b), "c")), "f");
  }

  private static JsonValue parse(String operand) {
    String v = operand.substring(2);
    return operand.startsWith("n:") ? num(Double.parseDouble(v)) : str(v);
  }

  private static JsonValue str(String s) {
    return new JsonValue.Str(s);
  }

  private static JsonValue num(double d) {
    return new JsonValue.Num(d);
  }
}
