package dev.atomkv.server.console;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.atomkv.server.engine.EntityReads;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.model.KeyCodec;
import dev.atomkv.server.model.JsonValue;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.RequestValidator;
import dev.atomkv.server.model.entity.EntityDefinition;
import dev.atomkv.server.model.entity.EntityIndex;
import dev.atomkv.server.model.entity.IndexRange;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The console's Entities view (docs/console.md): the definitions and a query of one index, read
 * through {@link EntityReads} as gRPC's EntityService reads them, so the limits and the refusals
 * are the same. Both only read.
 */
final class ConsoleEntities {
  /** Room left in a query answer for its cursor and framing. */
  private static final int RESPONSE_RESERVE = 8192;

  private final KvEngine engine;
  private final RequestValidator validator;

  ConsoleEntities(KvEngine engine, RequestValidator validator) {
    this.engine = engine;
    this.validator = validator;
  }

  /** Every definition, by name, with its indexes' states. */
  JsonObject list() {
    JsonArray entities = new JsonArray();
    for (StoredEntry e : EntityReads.definitions(engine, validator.limits().maxResponseBytes())) {
      entities.add(definition(e));
    }
    JsonObject out = new JsonObject();
    out.add("entities", entities);
    return out;
  }

  private static JsonObject definition(StoredEntry stored) {
    EntityDefinition d = EntityDefinition.decode(stored.value().payload());
    JsonObject out = new JsonObject();
    out.addProperty("name", d.name());
    out.addProperty("version", d.version());
    out.addProperty("versionstamp", stored.versionstamp().toString());
    JsonArray attributes = new JsonArray();
    d.attributes().forEach((name, type) -> {
      JsonObject a = new JsonObject();
      a.addProperty("name", name);
      a.addProperty("type", type.name());
      attributes.add(a);
    });
    out.add("attributes", attributes);
    JsonArray indexes = new JsonArray();
    for (EntityIndex i : d.indexes()) {
      JsonObject index = new JsonObject();
      index.addProperty("name", i.name());
      JsonArray partition = new JsonArray();
      i.partition().forEach(partition::add);
      index.add("partition", partition);
      index.addProperty("range", i.range());
      index.addProperty("state", d.isBuilding(i.name()) ? "BUILDING" : "READY");
      indexes.add(index);
    }
    out.add("indexes", indexes);
    return out;
  }

  /** One page of a query: gRPC Query's checks, limit, byte cap and cursors. */
  JsonObject query(JsonObject req) {
    String entity = Json.string(req.get("entity"), "entity");
    StoredEntry stored = EntityReads.definition(engine, entity);
    if (stored == null) {
      throw new ApiFailure(404, "NOT_FOUND", EntityReads.notDefined(entity));
    }
    IndexRange.Op op = null;
    List<JsonValue> operands = List.of();
    if (req.has("where") && !req.get("where").isJsonNull()) {
      if (!req.get("where").isJsonObject()) {
        throw KvException.invalid("where must be an object");
      }
      JsonObject where = req.getAsJsonObject("where");
      op = operator(Json.string(where.get("op"), "where.op"));
      operands = documents(Json.array(where, "values"), "where.values");
    }
    long limit = Json.integer(req, "limit", 0);
    EntityReads.Query q = new EntityReads.Query(entity,
        req.has("index") ? Json.string(req.get("index"), "index") : "",
        documents(Json.array(req, "partition"), "partition"), op, operands,
        Json.bool(req, "reverse"),
        req.has("cursor") ? Json.string(req.get("cursor"), "cursor") : "", null,
        (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, limit)));
    List<JsonObject> results = new ArrayList<>();
    EntityReads.Page page = EntityReads.query(engine, stored, q, validator,
        validator.limits().maxResponseBytes() - RESPONSE_RESERVE, (documentKey, e) -> {
          JsonObject entry = JsonValues.entry(new StoredEntry(KeyCodec.encode(documentKey),
              e.value(), e.versionstamp(), e.expiresAtMs()));
          results.add(entry);
          return entry.toString().getBytes(StandardCharsets.UTF_8).length;
        });
    JsonArray entries = new JsonArray();
    results.forEach(entries::add);
    JsonObject out = new JsonObject();
    out.add("results", entries);
    out.addProperty("cursor", page.cursor());
    return out;
  }

  /** gRPC's RangeOperator names, without their RANGE_OPERATOR_ prefix. */
  private static IndexRange.Op operator(String name) {
    for (IndexRange.Op op : IndexRange.Op.values()) {
      if (op.name().equals(name)) {
        return op;
      }
    }
    throw KvException.invalid("where.op is not a known range operator");
  }

  private static List<JsonValue> documents(JsonArray values, String field) {
    List<JsonValue> out = new ArrayList<>(values.size());
    for (int i = 0; i < values.size(); i++) {
      JsonElement v = values.get(i);
      out.add(Json.document(v, field + "[" + i + "]", 0));
    }
    return out;
  }
}
