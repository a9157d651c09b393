package dev.atomkv.server.engine.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.document.ProtoDocuments;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.JsonValue;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.ValueKind;
import dev.atomkv.server.model.Versionstamp;
import dev.atomkv.server.model.entity.AttributeType;
import dev.atomkv.server.model.entity.EntityDefinition;
import dev.atomkv.server.model.entity.EntityIndex;
import dev.atomkv.server.model.entity.EntityKeys;
import dev.atomkv.server.model.tenant.TenantKeys;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Entity writes of tenants other than the default, as the applier sees them: stored keys behind a
 * tenant prefix, each tenant's entities kept under its own prefix and never another's.
 */
class TenantEntityWritesTest {
  static final long NOW = 1_000;
  static final byte[] A = TenantKeys.dataPrefix("a");
  static final byte[] B = TenantKeys.dataPrefix("b");
  /** Same entity name in both tenants, different attributes and indexes. */
  static final EntityDefinition DEF_A = EntityDefinition.of("emp",
      Map.of("age", AttributeType.INTEGER), List.of(new EntityIndex("by-age", List.of(), "age")));
  static final EntityDefinition DEF_B = EntityDefinition.of("emp",
      Map.of("team", AttributeType.STRING),
      List.of(new EntityIndex("by-team", List.of(), "team")));

  private final MapWriteView view = new MapWriteView();
  private long commits;

  private void apply(Mutation... mutations) {
    AtomicApplier.apply(view, new AtomicWrite(List.of(), List.of(mutations)),
        new Versionstamp(++commits, 0), NOW);
  }

  static byte[] at(byte[] prefix, byte[] key) {
    byte[] out = Arrays.copyOf(prefix, prefix.length + key.length);
    System.arraycopy(key, 0, out, prefix.length, key.length);
    return out;
  }

  static Value doc(String attribute, JsonValue value) {
    return new Value(ValueKind.JSON, ProtoDocuments.encode(new JsonValue.Obj(
        Map.of(attribute, value))));
  }

  static byte[] docKey(byte[] prefix, String id) {
    return at(prefix, EntityKeys.document("emp", EntityWritesTest.user(id)));
  }

  @Test
  void twoTenantsKeepTheirOwnDefinitionsDocumentsAndIndexes() {
    // One request may even touch both: each key is judged by its own tenant's definition.
    apply(Mutation.set(at(A, EntityKeys.definition("emp")), Value.bytes(DEF_A.encode())),
        Mutation.set(at(B, EntityKeys.definition("emp")), Value.bytes(DEF_B.encode())));
    apply(Mutation.set(docKey(A, "e1"), doc("age", new JsonValue.Num(30))),
        Mutation.set(docKey(B, "e1"), doc("team", new JsonValue.Str("core"))));

    assertNull(view.get(EntityKeys.definition("emp")), "the default tenant has no entity");
    assertEquals(3, count(A), "a: definition, document, one entry");
    assertEquals(3, count(B), "b: definition, document, one entry");
    assertEquals(6, view.entries.size(), "nothing outside the two prefixes");
    byte[] entryA = at(A, DEF_A.indexKeys(EntityWritesTest.user("e1"),
        new JsonValue.Obj(Map.of("age", new JsonValue.Num(30)))).get(0));
    byte[] entryB = at(B, DEF_B.indexKeys(EntityWritesTest.user("e1"),
        new JsonValue.Obj(Map.of("team", new JsonValue.Str("core")))).get(0));
    assertNotNull(view.get(entryA));
    assertNotNull(view.get(entryB));

    // b's definition checks b's documents: a's attribute types do not apply to it.
    KvException typed = assertThrows(KvException.class, () -> apply(
        Mutation.set(docKey(B, "e2"), doc("team", new JsonValue.Num(1)))));
    assertEquals("mutations[0]: attribute team of entity emp must be a string",
        typed.getMessage());

    // Deleting a's document removes a's entry only; b's entity still has documents.
    apply(Mutation.delete(docKey(A, "e1")));
    assertNull(view.get(entryA));
    assertNotNull(view.get(entryB));
    apply(Mutation.delete(at(A, EntityKeys.definition("emp"))));
    assertEquals(0, count(A), "a's entity dropped: b's documents are not a's");
    KvException drop = assertThrows(KvException.class,
        () -> apply(Mutation.delete(at(B, EntityKeys.definition("emp")))));
    assertEquals(ErrorKind.FAILED_PRECONDITION, drop.kind());
  }

  @Test
  void aTenantsDocumentNeedsItsOwnDefinition() {
    apply(Mutation.set(EntityKeys.definition("emp"), Value.bytes(DEF_A.encode())));
    KvException undefined = assertThrows(KvException.class, () -> apply(
        Mutation.set(docKey(A, "e1"), doc("age", new JsonValue.Num(3)))));
    assertEquals("entity emp is not defined", undefined.getMessage());
  }

  @Test
  void aBuildStepOfOneTenantIndexesThatTenantsDocumentsOnly() {
    EntityDefinition bare = EntityDefinition.of("emp", DEF_A.attributes(), List.of());
    for (byte[] prefix : List.of(A, B)) {
      apply(Mutation.set(at(prefix, EntityKeys.definition("emp")), Value.bytes(bare.encode())));
      for (int i = 0; i < 3; i++) {
        apply(Mutation.set(docKey(prefix, "e" + i), doc("age", new JsonValue.Num(i))));
      }
      apply(Mutation.set(at(prefix, EntityKeys.definition("emp")), Value.bytes(DEF_A.encode())));
      assertTrue(definition(prefix).isBuilding("by-age"));
    }
    Mutation step = EntityKeys.buildStep("emp", "by-age", 10);
    apply(Mutation.set(at(A, step.key()), step.value()));
    assertFalse(definition(A).isBuilding("by-age"), "a's index is ready");
    assertTrue(definition(B).isBuilding("by-age"), "b's is still building");
    assertEquals(1 + 3 + 3, count(A), "a: definition, documents, entries");
    assertEquals(1 + 3, count(B), "b: nothing indexed");
    assertEquals(count(A) + count(B), view.entries.size());
  }

  @Test
  void onlyEntityKeysAfterAPrefixAreEntityWrites() {
    assertTrue(EntityWrites.handles(at(A, EntityKeys.definition("emp"))));
    assertTrue(EntityWrites.handles(EntityKeys.definition("emp")));
    // A tenant's key naming another tenant's range is just a key inside its own range.
    assertFalse(EntityWrites.handles(at(A, at(B, EntityKeys.definition("emp")))));
    assertFalse(EntityWrites.handles(at(A, EntityKeys.indexPrefix("emp", "by-age"))));
    assertFalse(EntityWrites.handles(A));
  }

  private EntityDefinition definition(byte[] prefix) {
    StoredEntry e = view.get(at(prefix, EntityKeys.definition("emp")));
    return EntityDefinition.decode(e.value().payload());
  }

  private long count(byte[] prefix) {
    return view.entries.values().stream().filter(e -> e.key().length > prefix.length
        && Arrays.equals(prefix, 0, prefix.length, e.key(), 0, prefix.length)).count();
  }
}
