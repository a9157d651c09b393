package dev.atomkv.server.model.entity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.model.JsonValue;
import dev.atomkv.server.model.Key;
import dev.atomkv.server.model.KeyCodec;
import dev.atomkv.server.model.KeyPart;
import dev.atomkv.server.model.KvException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EntityDefinitionTest {
  static final Map<String, AttributeType> ATTRS = new LinkedHashMap<>();

  static {
    ATTRS.put("name", AttributeType.STRING);
    ATTRS.put("age", AttributeType.INTEGER);
    ATTRS.put("team", AttributeType.STRING);
    ATTRS.put("blob", AttributeType.ANY);
  }

  static final EntityDefinition DEF = EntityDefinition.of("employee", ATTRS, List.of(
      new EntityIndex("by-age", List.of(), "age"),
      new EntityIndex("by-team-age", List.of("team"), "age")));

  @Test
  void roundTripsThroughItsStoredForm() {
    EntityDefinition v3 = DEF.withVersion(3);
    assertEquals(v3, EntityDefinition.decode(v3.encode()));
    assertEquals(List.copyOf(ATTRS.keySet()),
        List.copyOf(EntityDefinition.decode(v3.encode()).attributes().keySet()), "order kept");
  }

  @Test
  void indexKeysSkipDocumentsLackingAnIndexedAttribute() {
    byte[] userKey = KeyCodec.encode(Key.of(new KeyPart.Text("e1")));
    JsonValue full = new JsonValue.Obj(Map.of("age", new JsonValue.Num(30),
        "team", new JsonValue.Str("red")));
    List<byte[]> keys = DEF.indexKeys(userKey, full);
    assertEquals(2, keys.size());
    byte[] byAge = EntityKeys.indexPrefix("employee", "by-age");
    assertTrue(Arrays.equals(byAge, Arrays.copyOf(keys.get(0), byAge.length)));
    assertEquals(Key.of(new KeyPart.Text("e1")),
        EntityKeys.indexedDocument(keys.get(1), EntityKeys.indexPrefix("employee", "by-team-age")
            .length, 1));
    JsonValue noTeam = new JsonValue.Obj(Map.of("age", new JsonValue.Num(30),
        "team", new JsonValue.Null()));
    assertEquals(1, DEF.indexKeys(userKey, noTeam).size());
  }

  @Test
  void checksDocumentsByAttribute() {
    DEF.checkDocument(new JsonValue.Obj(Map.of("age", new JsonValue.Num(1), "other",
        new JsonValue.Str("untyped"))), "m");
    KvException e = assertThrows(KvException.class, () -> DEF.checkDocument(
        new JsonValue.Obj(Map.of("age", new JsonValue.Str("1"))), "mutations[0]"));
    assertEquals("mutations[0]: attribute age of entity employee must be an integer",
        e.getMessage());
  }

  @Test
  void keepsIndexLooksAtTheIndexAndItsAttributeTypesOnly() {
    EntityIndex first = DEF.indexes().get(0);
    Map<String, AttributeType> fewer = new LinkedHashMap<>(ATTRS);
    fewer.remove("blob");
    assertTrue(DEF.keepsIndex(first, EntityDefinition.of("employee", fewer, DEF.indexes())));
    Map<String, AttributeType> retyped = new LinkedHashMap<>(ATTRS);
    for (String a : first.partition()) {
      retyped.put(a, AttributeType.BOOLEAN);
    }
    retyped.put(first.range(), retyped.get(first.range()) == AttributeType.STRING
        ? AttributeType.INTEGER : AttributeType.STRING);
    assertFalse(DEF.keepsIndex(first, EntityDefinition.of("employee", retyped, DEF.indexes())));
    assertFalse(DEF.keepsIndex(DEF.indexes().get(1), EntityDefinition.of("employee", ATTRS,
        DEF.indexes().subList(0, 1))));
  }

  @Test
  void buildProgressSurvivesEncoding() {
    byte[] after = KeyCodec.encode(Key.of(new KeyPart.Text("e7")));
    EntityDefinition building = DEF.withVersion(4).withBuilding(
        Map.of(DEF.indexes().get(0).name(), after));
    EntityDefinition back = EntityDefinition.decode(building.encode());
    assertTrue(back.isBuilding(DEF.indexes().get(0).name()));
    assertFalse(back.isBuilding(DEF.indexes().get(1).name()));
    assertArrayEquals(after, back.building().get(DEF.indexes().get(0).name()));
    assertEquals(4, back.version());
    assertFalse(EntityDefinition.decode(DEF.encode()).isBuilding(DEF.indexes().get(0).name()));
  }

  @Test
  void internalKeysLieOutsideEveryUserKey() {
    // The widest user List is [0x00, 0xFF): no internal key falls inside it.
    for (byte[] k : List.of(EntityKeys.definition("abc"), EntityKeys.documentPrefix("abc"),
        EntityKeys.indexPrefix("abc", "i"))) {
      assertEquals((byte) 0xFF, k[0]);
    }
    byte[] doc = EntityKeys.document("abc", KeyCodec.encode(Key.of(new KeyPart.Int(
        java.math.BigInteger.TEN))));
    assertTrue(EntityKeys.isDocument(doc));
    assertEquals("abc", EntityKeys.parseDocument(doc).entity());
  }
}
