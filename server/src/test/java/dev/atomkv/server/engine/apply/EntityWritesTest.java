package dev.atomkv.server.engine.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.document.ProtoDocuments;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.JsonValue;
import dev.atomkv.server.model.Key;
import dev.atomkv.server.model.KeyCodec;
import dev.atomkv.server.model.KeyPart;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.MutationKind;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.ValueKind;
import dev.atomkv.server.model.Versionstamp;
import dev.atomkv.server.model.entity.AttributeType;
import dev.atomkv.server.model.entity.EntityDefinition;
import dev.atomkv.server.model.entity.EntityIndex;
import dev.atomkv.server.model.entity.EntityKeys;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Index maintenance as the applier does it, seen on a map. */
class EntityWritesTest {
  static final Versionstamp VS = new Versionstamp(7, 0);
  static final long NOW = 1_000;
  static final EntityDefinition DEF = EntityDefinition.of("emp",
      Map.of("age", AttributeType.INTEGER), List.of(new EntityIndex("by-age", List.of(), "age")));
  static final byte[] USER_KEY = KeyCodec.encode(Key.of(new KeyPart.Text("e1")));
  static final byte[] DOC_KEY = EntityKeys.document("emp", USER_KEY);

  private final MapWriteView view = new MapWriteView();

  private Applied apply(Mutation... mutations) {
    return AtomicApplier.apply(view, new AtomicWrite(List.of(), List.of(mutations)), VS, NOW);
  }

  static Value doc(int age) {
    return new Value(ValueKind.JSON, ProtoDocuments.encode(
        new JsonValue.Obj(Map.of("age", new JsonValue.Num(age)))));
  }

  static byte[] entry(int age) {
    return DEF.indexKeys(USER_KEY, new JsonValue.Obj(Map.of("age", new JsonValue.Num(age))))
        .get(0);
  }

  @Test
  void setOverwriteAndDeleteKeepTheIndexExact() {
    apply(Mutation.set(EntityKeys.definition("emp"), Value.bytes(DEF.encode())));
    assertEquals(1, EntityDefinition.decode(view.get(EntityKeys.definition("emp")).value()
        .payload()).version());
    apply(new Mutation(DOC_KEY, MutationKind.SET, doc(30), 5_000, false, null));
    assertEquals(doc(30), view.get(entry(30)).value(), "the entry holds the document");
    assertEquals(5_000, view.get(entry(30)).expiresAtMs(), "and expires with it");
    apply(Mutation.set(DOC_KEY, doc(31)));
    assertNull(view.get(entry(30)));
    assertNotNull(view.get(entry(31)));
    assertEquals(3, view.entries.size(), "definition, document, one entry");
    apply(Mutation.delete(DOC_KEY));
    assertNull(view.get(entry(31)));
    assertEquals(1, view.entries.size(), "only the definition");
  }

  @Test
  void refusesUndefinedEntitiesIndexChangesWithDocumentsAndMistypedDocuments() {
    KvException undefined = assertThrows(KvException.class,
        () -> apply(Mutation.set(DOC_KEY, doc(1))));
    assertEquals(ErrorKind.FAILED_PRECONDITION, undefined.kind());
    apply(Mutation.set(EntityKeys.definition("emp"), Value.bytes(DEF.encode())));
    apply(Mutation.set(DOC_KEY, doc(1)));
    EntityDefinition noIndex = EntityDefinition.of("emp", DEF.attributes(), List.of());
    KvException change = assertThrows(KvException.class, () -> apply(
        Mutation.set(EntityKeys.definition("emp"), Value.bytes(noIndex.encode()))));
    assertEquals(ErrorKind.FAILED_PRECONDITION, change.kind());
    KvException drop = assertThrows(KvException.class,
        () -> apply(Mutation.delete(EntityKeys.definition("emp"))));
    assertTrue(drop.getMessage().contains("still has documents"));
    KvException typed = assertThrows(KvException.class, () -> apply(Mutation.set(DOC_KEY,
        new Value(ValueKind.JSON, ProtoDocuments.encode(new JsonValue.Obj(Map.of("age",
            new JsonValue.Str("x"))))))));
    assertEquals("mutations[0]: attribute age of entity emp must be an integer",
        typed.getMessage());
    KvException sum = assertThrows(KvException.class,
        () -> apply(Mutation.arithmetic(DOC_KEY, MutationKind.SUM, 1)));
    assertEquals(ErrorKind.INVALID_ARGUMENT, sum.kind());
  }

  @Test
  void anIndexAddedOverDocumentsIsBuiltInStepsWhileWritesMaintainIt() {
    EntityDefinition bare = EntityDefinition.of("emp", DEF.attributes(), List.of());
    apply(Mutation.set(EntityKeys.definition("emp"), Value.bytes(bare.encode())));
    for (int i = 0; i < 5; i++) {
      apply(Mutation.set(EntityKeys.document("emp", user("e" + i)), doc(40 - i)));
    }
    apply(Mutation.set(EntityKeys.definition("emp"), Value.bytes(DEF.encode())));
    assertTrue(definition().isBuilding("by-age"), "documents exist: the index starts building");
    assertEquals(2, definition().version());

    apply(EntityKeys.buildStep("emp", "by-age", 2)); // e0, e1
    assertTrue(definition().isBuilding("by-age"));
    assertEquals(2, indexEntries(), "one chunk indexed");
    apply(Mutation.set(EntityKeys.document("emp", user("e4")), doc(99))); // ahead of the walk
    apply(Mutation.delete(EntityKeys.document("emp", user("e0")))); // behind it
    apply(Mutation.set(EntityKeys.document("emp", user("e5")), doc(7))); // new
    assertEquals(3, indexEntries(), "writes maintain a building index");
    apply(EntityKeys.buildStep("emp", "by-age", 2)); // e2, e3
    assertTrue(definition().isBuilding("by-age"));
    apply(EntityKeys.buildStep("emp", "by-age", 2)); // e4, e5: the end
    assertTrue(!definition().isBuilding("by-age"), "ready once a step reaches the end");
    assertEquals(2, definition().version(), "progress is not a redefinition");
    assertEquals(5, indexEntries(), "e1..e5, each once");
    assertNotNull(view.get(DEF.indexKeys(user("e4"), new JsonValue.Obj(Map.of("age",
        new JsonValue.Num(99)))).get(0)), "with the latest value");
    int writes = view.writes;
    apply(EntityKeys.buildStep("emp", "by-age", 2));
    assertEquals(writes, view.writes, "a step for a ready index does nothing");
  }

  static byte[] user(String id) {
    return KeyCodec.encode(Key.of(new KeyPart.Text(id)));
  }

  private EntityDefinition definition() {
    return EntityDefinition.decode(view.get(EntityKeys.definition("emp")).value().payload());
  }

  private long indexEntries() {
    byte[] prefix = EntityKeys.indexPrefix("emp", "by-age");
    return view.entries.values().stream().filter(e -> e.key().length > prefix.length
        && java.util.Arrays.equals(prefix, 0, prefix.length, e.key(), 0, prefix.length)).count();
  }
}
