package dev.atomkv.server.engine.apply;

import dev.atomkv.server.document.ProtoDocuments;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.JsonValue;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.ValueKind;
import dev.atomkv.server.model.Versionstamp;
import dev.atomkv.server.model.entity.EntityDefinition;
import dev.atomkv.server.model.entity.EntityIndex;
import dev.atomkv.server.model.entity.EntityKeys;
import dev.atomkv.server.model.tenant.TenantKeys;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes to custom entities, as one request applies them: a document and its index entries are
 * written or removed by the same request, in the same transaction, so an index never disagrees
 * with its documents, on one node or on every replica (which all apply requests through here).
 *
 * <p>Index entries carry a copy of the document with its versionstamp and expiry: a query then
 * reads one range from one snapshot, and an expiring document's entries expire with it, so the
 * expiry sweep removes them as it removes any expired key.
 *
 * <p>The keys it is given are stored keys. A tenant's entity key is the default tenant's layout
 * behind the tenant's prefix: it is handled on the tenant-relative key through a {@link
 * TenantWriteView}, so every definition, document and index entry it reads or writes lies under
 * the same prefix, and one tenant's entities never meet another's, even of the same name.
 */
final class EntityWrites {
  /**
   * Definitions this request has read, each decoded once, by scope (the tenant prefix, as
   * ISO-8859-1 text) and entity name.
   */
  private final Map<String, EntityDefinition> definitions = new HashMap<>();

  /** Whether {@code key}, a stored key, is a definition, document or build step of a tenant. */
  static boolean handles(byte[] key) {
    return key.length > 2 && key[0] == (byte) 0xFF
        && EntityKeys.isWritable(key, TenantKeys.prefixLength(key));
  }

  void set(WriteView store, byte[] storedKey, Value value, Versionstamp vs, long expiresAtMs,
      long nowMs, String field) {
    int prefix = TenantKeys.prefixLength(storedKey);
    WriteView view = scoped(store, storedKey, prefix);
    String scope = scope(storedKey, prefix);
    byte[] key = Arrays.copyOfRange(storedKey, prefix, storedKey.length);
    if (EntityKeys.isDefinition(key)) {
      define(view, scope, key, value, vs, nowMs);
      return;
    }
    if (EntityKeys.isBuildStep(key)) {
      buildStep(view, scope, key, value, nowMs);
      return;
    }
    EntityKeys.DocumentKey dk = EntityKeys.parseDocument(key);
    EntityDefinition def = definition(view, scope, dk.entity(), nowMs);
    if (value.kind() != ValueKind.JSON) {
      throw KvException.invalid(field + ": a document of entity " + dk.entity()
          + " must be a json value");
    }
    JsonValue doc = ProtoDocuments.INSTANCE.decode(value.payload());
    def.checkDocument(doc, field);
    unindex(view, def, dk.userKey(), view.live(key, nowMs));
    view.put(key, value, vs, expiresAtMs);
    for (byte[] entry : def.indexKeys(dk.userKey(), doc)) {
      view.put(entry, value, vs, expiresAtMs);
    }
  }

  /** Deletes a document with its index entries, or drops a definition. */
  boolean delete(WriteView store, byte[] storedKey, long nowMs) {
    int prefix = TenantKeys.prefixLength(storedKey);
    WriteView view = scoped(store, storedKey, prefix);
    String scope = scope(storedKey, prefix);
    byte[] key = Arrays.copyOfRange(storedKey, prefix, storedKey.length);
    if (EntityKeys.isDefinition(key)) {
      return drop(view, scope, key, nowMs);
    }
    if (EntityKeys.isBuildStep(key)) {
      return false;
    }
    EntityKeys.DocumentKey dk = EntityKeys.parseDocument(key);
    StoredEntry old = view.live(key, nowMs);
    if (old != null) {
      unindex(view, definition(view, scope, dk.entity(), nowMs), dk.userKey(), old);
    }
    // An expired document still stored is deleted too; its index entries expired with it and
    // the sweep removes them.
    return view.delete(key);
  }

  private void unindex(WriteView view, EntityDefinition def, byte[] userKey, StoredEntry old) {
    if (old == null || old.value().kind() != ValueKind.JSON) {
      return;
    }
    for (byte[] entry : def.indexKeys(userKey, ProtoDocuments.INSTANCE.decode(
        old.value().payload()))) {
      view.delete(entry);
    }
  }

  /** The store seen from the tenant {@code key} belongs to; the store itself for the default. */
  private static WriteView scoped(WriteView store, byte[] key, int prefix) {
    return prefix == 0 ? store : new TenantWriteView(store, Arrays.copyOf(key, prefix));
  }

  private static String scope(byte[] key, int prefix) {
    return new String(key, 0, prefix, StandardCharsets.ISO_8859_1);
  }

  private EntityDefinition definition(WriteView view, String scope, String entity, long nowMs) {
    EntityDefinition def = definitions.get(scope + entity);
    if (def == null) {
      StoredEntry stored = view.live(EntityKeys.definition(entity), nowMs);
      if (stored == null) {
        throw new KvException(ErrorKind.FAILED_PRECONDITION,
            "entity " + entity + " is not defined");
      }
      def = EntityDefinition.decode(stored.value().payload());
      definitions.put(scope + entity, def);
    }
    return def;
  }

  /**
   * Stores a definition, numbering its version. While the entity holds live documents its
   * existing indexes (and the types of their attributes) must stay as they are, since entries for
   * the documents already stored would be stale; a new index is accepted and starts building over
   * them. An index kept unchanged keeps its build progress.
   */
  private void define(WriteView view, String scope, byte[] key, Value value, Versionstamp vs,
      long nowMs) {
    EntityDefinition next = EntityDefinition.decode(value.payload());
    StoredEntry stored = view.live(key, nowMs);
    long version = 1;
    Map<String, byte[]> building = new LinkedHashMap<>();
    if (stored != null) {
      EntityDefinition current = EntityDefinition.decode(stored.value().payload());
      boolean documents = hasDocuments(view, next.name(), nowMs);
      for (EntityIndex i : current.indexes()) {
        if (documents && !current.keepsIndex(i, next)) {
          throw new KvException(ErrorKind.FAILED_PRECONDITION, "entity " + next.name()
              + " has documents: its index " + i.name() + " cannot be removed or changed, nor"
              + " the types of its attributes (new indexes may be added)");
        }
      }
      for (EntityIndex i : next.indexes()) {
        EntityIndex old = current.index(i.name());
        if (old != null && current.keepsIndex(old, next)) {
          if (current.isBuilding(i.name())) {
            building.put(i.name(), current.building().get(i.name()));
          }
        } else if (documents) {
          building.put(i.name(), new byte[0]);
        }
      }
      version = current.version() + 1;
    }
    definitions.remove(scope + next.name());
    view.put(key, Value.bytes(next.withVersion(version).withBuilding(building).encode()), vs, 0);
  }

  /**
   * Indexes the next documents of a building index, at most the step's chunk of keys after the
   * last one indexed, and records the progress in the definition; the step that reaches the end
   * marks the index ready. Documents written meanwhile were indexed by their own writes (a
   * building index is maintained like a ready one), so once the walk ends the index is complete.
   * The definition keeps its version and versionstamp: progress is not a redefinition. A step for
   * an index no longer building (finished, dropped, redefined) does nothing.
   */
  private void buildStep(WriteView view, String scope, byte[] key, Value value, long nowMs) {
    List<String> names = EntityKeys.parseBuildStep(key);
    String entity = names.get(0);
    byte[] defKey = EntityKeys.definition(entity);
    StoredEntry stored = view.live(defKey, nowMs);
    if (stored == null) {
      return;
    }
    EntityDefinition def = EntityDefinition.decode(stored.value().payload());
    byte[] after = def.building().get(names.get(1));
    if (after == null) {
      return;
    }
    List<EntityIndex> index = List.of(def.index(names.get(1)));
    byte[] prefix = EntityKeys.documentPrefix(entity);
    byte[] start = Arrays.copyOf(EntityKeys.document(entity, after),
        prefix.length + after.length + (after.length == 0 ? 0 : 1));
    byte[] end = Arrays.copyOf(prefix, prefix.length + 1);
    end[prefix.length] = (byte) 0xFF;
    byte[] last = view.scanLive(start, end, EntityKeys.buildStepChunk(value.payload()), nowMs,
        doc -> {
          if (doc.value().kind() != ValueKind.JSON) {
            return;
          }
          byte[] userKey = Arrays.copyOfRange(doc.key(), prefix.length, doc.key().length);
          for (byte[] entry : def.indexKeys(index, userKey,
              ProtoDocuments.INSTANCE.decode(doc.value().payload()))) {
            view.put(entry, doc.value(), doc.versionstamp(), doc.expiresAtMs());
          }
        });
    Map<String, byte[]> building = new LinkedHashMap<>(def.building());
    if (last == null) {
      building.remove(names.get(1));
    } else {
      building.put(names.get(1), Arrays.copyOfRange(last, prefix.length, last.length));
    }
    definitions.remove(scope + entity);
    view.put(defKey, Value.bytes(def.withBuilding(building).encode()), stored.versionstamp(), 0);
  }

  private boolean drop(WriteView view, String scope, byte[] key, long nowMs) {
    if (view.live(key, nowMs) == null) {
      return false;
    }
    String entity = EntityKeys.definitionEntity(key);
    if (hasDocuments(view, entity, nowMs)) {
      throw new KvException(ErrorKind.FAILED_PRECONDITION, "entity " + entity
          + " still has documents: delete them before dropping it");
    }
    definitions.remove(scope + entity);
    return view.delete(key);
  }

  private static boolean hasDocuments(WriteView view, String entity, long nowMs) {
    byte[] prefix = EntityKeys.documentPrefix(entity);
    byte[] end = Arrays.copyOf(prefix, prefix.length + 1);
    end[prefix.length] = (byte) 0xFF;
    return view.anyLive(prefix, end, nowMs);
  }
}
