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
}
