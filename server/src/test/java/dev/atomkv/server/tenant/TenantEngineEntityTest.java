package dev.atomkv.server.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.document.ProtoDocuments;
import dev.atomkv.server.engine.EngineOptions;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.engine.SyncMode;
import dev.atomkv.server.lmdb.LmdbEngine;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.JsonValue;
import dev.atomkv.server.model.Key;
import dev.atomkv.server.model.KeyCodec;
import dev.atomkv.server.model.KeyPart;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.ValueKind;
import dev.atomkv.server.model.entity.AttributeType;
import dev.atomkv.server.model.entity.EntityDefinition;
import dev.atomkv.server.model.entity.EntityIndex;
import dev.atomkv.server.model.entity.EntityKeys;
import dev.atomkv.server.model.tenant.TenantKeys;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tenant's view of a real store: its entity writes land behind its prefix only, and no key it
 * can name reaches the registry or another tenant.
 */
class TenantEngineEntityTest {
  static final EntityDefinition DEF = EntityDefinition.of("emp",
      Map.of("age", AttributeType.INTEGER), List.of(new EntityIndex("by-age", List.of(), "age")));
  static final byte[] USER = KeyCodec.encode(Key.of(new KeyPart.Text("e1")));

  @TempDir Path dir;

  @Test
  void aTenantsEntityLivesBehindItsPrefixAndReservedKeysAreRefused() throws Exception {
    try (LmdbEngine store = LmdbEngine.open(EngineOptions.builder(dir).mapSizeBytes(64L << 20)
        .syncMode(SyncMode.NONE).build())) {
      TenantEngines engines = new TenantEngines(store);
      KvEngine a = engines.of("a");
      KvEngine b = engines.of("b");
      commit(a, Mutation.set(EntityKeys.definition("emp"), Value.bytes(DEF.encode())));
      commit(a, Mutation.set(EntityKeys.document("emp", USER), new Value(ValueKind.JSON,
          ProtoDocuments.encode(new JsonValue.Obj(Map.of("age", new JsonValue.Num(3)))))));

      assertNotNull(a.get(List.of(EntityKeys.definition("emp"))).get(0));
      assertNull(b.get(List.of(EntityKeys.definition("emp"))).get(0), "b sees a's entity");
      assertNull(store.get(List.of(EntityKeys.definition("emp"))).get(0),
          "the default tenant sees a's entity");
      List<StoredEntry> inA = store.list(TenantKeys.dataPrefix("a"), TenantKeys.dataEnd("a"),
          false, 100, Long.MAX_VALUE, e -> 1).entries();
      assertEquals(3, inA.size(), "definition, document and index entry, all behind a's prefix");
      byte[] entry = DEF.indexKeys(USER, new JsonValue.Obj(Map.of("age", new JsonValue.Num(3))))
          .get(0);
      assertNotNull(a.get(List.of(entry)).get(0), "a's index entry, seen from a");
      KvException undefined = refused(b, Mutation.set(EntityKeys.document("emp", USER),
          new Value(ValueKind.JSON, ProtoDocuments.encode(new JsonValue.Obj(Map.of())))));
      assertEquals("entity emp is not defined", undefined.getMessage());

      // Internal keys other than an entity's definitions, documents and build steps: the
      // registry's, another tenant's range, index entries.
      List<byte[]> reserved = List.of(TenantKeys.settings("b"), TenantKeys.version(),
          TenantKeys.token(new byte[32]), concat(TenantKeys.dataPrefix("b"),
              EntityKeys.definition("emp")), entry);
      for (byte[] key : reserved) {
        KvException e = refused(a, Mutation.set(key, Value.bytes(new byte[] {1})));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("reserved"), e.getMessage());
      }
      assertEquals(3, store.list(TenantKeys.dataPrefix("a"), TenantKeys.dataEnd("a"),
          false, 100, Long.MAX_VALUE, e -> 1).entries().size(), "nothing written");
      assertNull(store.get(List.of(TenantKeys.settings("b"))).get(0));
    }
  }

  private static void commit(KvEngine engine, Mutation m) throws Exception {
    assertTrue(engine.commit(new AtomicWrite(List.of(), List.of(m))).get().ok());
  }

  private static KvException refused(KvEngine engine, Mutation m) {
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> engine.commit(new AtomicWrite(List.of(), List.of(m))).get());
    return (KvException) e.getCause();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
