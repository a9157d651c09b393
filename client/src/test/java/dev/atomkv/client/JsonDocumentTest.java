package dev.atomkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JsonDocumentTest {
  private static Value str(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }

  private static Value num(double d) {
    return Value.newBuilder().setNumberValue(d).build();
  }

  private static Value bool(boolean b) {
    return Value.newBuilder().setBoolValue(b).build();
  }

  private static Value nul() {
    return Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
  }

  private static Value list(Value... values) {
    return Value.newBuilder().setListValue(ListValue.newBuilder().addAllValues(Arrays.asList(values))).build();
  }

  private static Value object(Object... nameValue) {
    Struct.Builder s = Struct.newBuilder();
    for (int i = 0; i < nameValue.length; i += 2) {
      s.putFields((String) nameValue[i], (Value) nameValue[i + 1]);
    }
    return Value.newBuilder().setStructValue(s).build();
  }

  @Test
  void nestedMapsAndListsBecomeStructsAndLists() {
    Map<String, Object> address = new LinkedHashMap<>();
    address.put("city", "Sydney");
    address.put("postcode", 2000);
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("surname", "Smith");
    doc.put("age", 31);
    doc.put("admin", false);
    doc.put("manager", null);
    doc.put("address", address);
    doc.put("tags", List.of("a", List.of(1L, 2.5f), Map.of()));

    KvValue value = KvValue.json(doc);

    assertEquals(KvValue.Kind.JSON, value.kind());
    assertEquals(object(
        "surname", str("Smith"),
        "age", num(31),
        "admin", bool(false),
        "manager", nul(),
        "address", object("city", str("Sydney"), "postcode", num(2000)),
        "tags", list(str("a"), list(num(1), num(2.5)), object())),
        value.asJson());
  }

  @Test
  void scalarsAtTheTop() {
    assertEquals(str("hi"), KvValue.json("hi").asJson());
    assertEquals(num(-0.5), KvValue.json(-0.5).asJson());
    assertEquals(bool(true), KvValue.json(true).asJson());
    assertEquals(nul(), KvValue.json((Object) null).asJson());
    assertEquals(nul(), KvValue.json((Value) null).asJson(), "a null protobuf value is JSON null too");
    assertEquals(nul(), KvValue.json(null).asJson());
  }

  @Test
  void everyNumberTypeBecomesADouble() {
    Value doc = KvValue.json(List.of((byte) 1, (short) 2, 3, 4L, 5.5f, 6.25, BigInteger.TEN, new BigDecimal("0.125")))
        .asJson();
    assertEquals(list(num(1), num(2), num(3), num(4), num(5.5), num(6.25), num(10), num(0.125)), doc);
    assertEquals(num(9007199254740993L), KvValue.json(9007199254740993L).asJson(), "rounded to a double");
  }

  @Test
  void arraysAndCollectionsBecomeLists() {
    assertEquals(list(num(1), num(2)), KvValue.json(new int[] {1, 2}).asJson());
    assertEquals(list(bool(true)), KvValue.json(new boolean[] {true}).asJson());
    assertEquals(list(str("a"), nul()), KvValue.json(new Object[] {"a", null}).asJson());
    assertEquals(list(str("x")), KvValue.json(Set.of("x")).asJson());
    assertEquals(list(), KvValue.json(List.of()).asJson());
  }

  @Test
  void protobufValuesNestAsTheyAre() {
    assertEquals(object("p", list(num(1))), KvValue.json(Map.of("p", list(num(1)))).asJson());
  }

  @Test
  void fieldOrderIsKept() {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("z", 1);
    doc.put("a", 2);
    doc.put("m", 3);
    assertEquals(List.of("z", "a", "m"), new ArrayList<>(KvValue.json(doc).asMap().keySet()));
  }

  @Test
  void nonFiniteNumbersAreRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> KvValue.json(Map.of("a", List.of(1, Double.NaN))));
    assertTrue(e.getMessage().contains("$.a[1]"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> KvValue.json(Double.POSITIVE_INFINITY));
    assertThrows(IllegalArgumentException.class, () -> KvValue.json(Float.NEGATIVE_INFINITY));
    assertThrows(IllegalArgumentException.class, () -> KvValue.json(new BigDecimal("1e400")));
  }

  @Test
  void unsupportedValuesAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> KvValue.json(new Object()));
    assertThrows(IllegalArgumentException.class, () -> KvValue.json(Map.of("c", 'c')));
    assertThrows(IllegalArgumentException.class, () -> KvValue.json(Map.of(1, "one")));
    Map<String, Object> nullKey = new HashMap<>();
    nullKey.put(null, 1);
    assertThrows(IllegalArgumentException.class, () -> KvValue.json(nullKey));
    assertThrows(IllegalArgumentException.class, () -> KvValue.json(List.of(Value.getDefaultInstance())));
  }

  @Test
  void cyclesAreRejectedButSharedContainersAreFine() {
    List<Object> shared = List.of(1);
    assertEquals(list(list(num(1)), list(num(1))), KvValue.json(List.of(shared, shared)).asJson());

    Map<String, Object> loop = new HashMap<>();
    loop.put("self", loop);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KvValue.json(loop));
    assertTrue(e.getMessage().contains("$.self"), e.getMessage());
  }

  @Test
  void asDocumentGivesPlainJava() {
    Value doc = object(
        "name", str("Ada"),
        "age", num(36),
        "admin", bool(true),
        "boss", nul(),
        "address", object("city", str("London")),
        "tags", list(str("x"), num(1), list()));

    Object plain = KvValue.json(doc).asDocument();

    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("name", "Ada");
    expected.put("age", 36.0);
    expected.put("admin", true);
    expected.put("boss", null);
    expected.put("address", Map.of("city", "London"));
    expected.put("tags", List.of("x", 1.0, List.of()));
    assertEquals(expected, plain);
    Map<?, ?> map = assertInstanceOf(LinkedHashMap.class, plain);
    assertInstanceOf(Double.class, map.get("age"));
    assertInstanceOf(LinkedHashMap.class, map.get("address"));
    assertInstanceOf(ArrayList.class, map.get("tags"));
  }

  @Test
  void asDocumentOfScalars() {
    assertEquals("s", KvValue.json("s").asDocument());
    assertEquals(2.0, KvValue.json(2).asDocument());
    assertEquals(false, KvValue.json(false).asDocument());
    assertNull(KvValue.json((Object) null).asDocument());
  }

  @Test
  void asDocumentIsAFreshCopy() {
    KvValue value = KvValue.json(Map.of("a", List.of(1)));
    @SuppressWarnings("unchecked")
    List<Object> a = (List<Object>) value.asMap().get("a");
    a.add(2);
    value.asMap().put("b", 1);
    assertEquals(Map.of("a", List.of(1.0)), value.asDocument());
  }

  @Test
  void roundTrips() {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("n", 1.5);
    doc.put("l", new ArrayList<>(Arrays.asList("a", null, true)));
    doc.put("o", new LinkedHashMap<>(Map.of("x", -2.0)));
    KvValue value = KvValue.json(doc);
    assertEquals(doc, value.asDocument());
    assertEquals(value, KvValue.json(value.asDocument()));
  }

  @Test
  void asMapNeedsAnObject() {
    assertThrows(IllegalStateException.class, () -> KvValue.json(List.of()).asMap());
    assertThrows(IllegalStateException.class, () -> KvValue.of("{}").asMap());
    assertThrows(IllegalStateException.class, () -> KvValue.of("{}").asDocument());
  }

  @Test
  void documentsAreCopiedWhenConverted() {
    List<Object> tags = new ArrayList<>(List.of("a"));
    KvValue value = KvValue.json(Map.of("tags", tags));
    tags.add("b");
    assertEquals(object("tags", list(str("a"))), value.asJson());
  }
}
