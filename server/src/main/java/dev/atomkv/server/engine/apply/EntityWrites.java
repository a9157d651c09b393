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
import dev.atomkv.server.model.entity.EntityKeys;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Writes to custom entities, as one request applies them: a document and its index entries are
 * written or removed by the same request, in the same transaction, so an index never disagrees
 * with its documents, on one node or on every replica (which all apply requests through here).
 *
 * <p>Index entries carry a copy of the document with its versionstamp and expiry: a query then
 * reads one range from one snapshot, and an expiring document's entries expire with it, so the
 * expiry sweep removes them as it removes any expired key.
 */
final class EntityWrites {
  /** Definitions this request has read, each decoded once. */
  private final Map<String, EntityDefinition> definitions = new HashMap<>();

  static boolean handles(byte[] key) {
    return EntityKeys.isDocument(key) || EntityKeys.isDefinition(key);
  }

  void set(WriteView view, byte[] key, Value value, Versionstamp vs, long expiresAtMs,
      long nowMs, String field) {
    if (EntityKeys.isDefinition(key)) {
      define(view, key, value, vs, nowMs);
      return;
    }
    EntityKeys.DocumentKey dk = EntityKeys.parseDocument(key);
    EntityDefinition def = definition(view, dk.entity(), nowMs);
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
  boolean delete(WriteView view, byte[] key, long nowMs) {
    if (EntityKeys.isDefinition(key)) {
      return drop(view, key, nowMs);
    }
    EntityKeys.DocumentKey dk = EntityKeys.parseDocument(key);
    StoredEntry old = view.live(key, nowMs);
    if (old != null) {
      unindex(view, definition(view, dk.entity(), nowMs), dk.userKey(), old);
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

  private EntityDefinition definition(WriteView view, String entity, long nowMs) {
    EntityDefinition def = definitions.get(entity);
    if (def == null) {
      StoredEntry stored = view.live(EntityKeys.definition(entity), nowMs);
      if (stored == null) {
        throw new KvException(ErrorKind.FAILED_PRECONDITION,
            "entity " + entity + " is not defined");
      }
      def = EntityDefinition.decode(stored.value().payload());
      definitions.put(entity, def);
    }
    return def;
  }

  /**
   * Stores a definition, numbering its version. Indexes may change only while the entity holds no
   * live document: entries for the documents already stored would be missing or stale otherwise.
   */
  private void define(WriteView view, byte[] key, Value value, Versionstamp vs, long nowMs) {
    EntityDefinition next = EntityDefinition.decode(value.payload());
    StoredEntry stored = view.live(key, nowMs);
    long version = 1;
    if (stored != null) {
      EntityDefinition current = EntityDefinition.decode(stored.value().payload());
      if (!current.indexesSameAs(next) && hasDocuments(view, next.name(), nowMs)) {
        throw new KvException(ErrorKind.FAILED_PRECONDITION, "entity " + next.name()
            + " has documents: its indexes, and the types of indexed attributes, cannot change");
      }
      version = current.version() + 1;
    }
    definitions.remove(next.name());
    view.put(key, Value.bytes(next.withVersion(version).encode()), vs, 0);
  }

  private boolean drop(WriteView view, byte[] key, long nowMs) {
    if (view.live(key, nowMs) == null) {
      return false;
    }
    String entity = EntityKeys.definitionEntity(key);
    if (hasDocuments(view, entity, nowMs)) {
      throw new KvException(ErrorKind.FAILED_PRECONDITION, "entity " + entity
          + " still has documents: delete them before dropping it");
    }
    definitions.remove(entity);
    return view.delete(key);
  }

  private static boolean hasDocuments(WriteView view, String entity, long nowMs) {
    byte[] prefix = EntityKeys.documentPrefix(entity);
    byte[] end = Arrays.copyOf(prefix, prefix.length + 1);
    end[prefix.length] = (byte) 0xFF;
    return view.anyLive(prefix, end, nowMs);
  }
}
