package dev.atomkv.server.console;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.atomkv.server.engine.KeyWatch;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.engine.ListPage;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.engine.WatchListener;
import dev.atomkv.server.engine.WatchUpdate;
import dev.atomkv.server.engine.WatchedKey;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.Check;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.ListQuery;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.MutationKind;
import dev.atomkv.server.model.RequestValidator;
import dev.atomkv.server.model.Versionstamp;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The console's JSON API over the engine (docs/console.md): each method takes the request body and
 * gives the answer's body. Every request passes the same {@link RequestValidator} as gRPC's, so
 * the limits and their messages are the same.
 */
final class ConsoleApi {
  /** Room left in a list answer for its cursor and framing. */
  private static final int LIST_RESPONSE_RESERVE = 8192;

  private final KvEngine engine;
  private final RequestValidator validator;
  private final Clock clock;

  ConsoleApi(KvEngine engine, RequestValidator validator, Clock clock) {
    this.engine = engine;
    this.validator = validator;
    this.clock = clock;
  }

  /** One page of a range: gRPC List's selector, cursor and limit rules. */
  JsonObject list(JsonObject req) {
    long requested = Json.integer(req, "limit", 0);
    int limit = validator.listLimit((int) Math.max(Integer.MIN_VALUE,
        Math.min(Integer.MAX_VALUE, requested)));
    boolean reverse = Json.bool(req, "reverse");
    ListQuery query = ListQuery.resolve(
        req.has("prefix") ? JsonKeys.encode(req.get("prefix"), "prefix") : null,
        req.has("start") ? JsonKeys.encodeNonEmpty(req.get("start"), "start") : null,
        req.has("end") ? JsonKeys.encodeNonEmpty(req.get("end"), "end") : null,
        Json.optionalString(req, "cursor"), reverse, validator);
    // Entries are converted while sizing, and the conversions kept, so each is built once.
    List<JsonObject> converted = new ArrayList<>();
    ListPage page = engine.list(query.start(), query.end(), reverse, limit,
        Math.max(1, validator.limits().maxResponseBytes() - LIST_RESPONSE_RESERVE),
        e -> {
          JsonObject entry = JsonValues.entry(e);
          converted.add(entry);
          return entry.toString().getBytes(StandardCharsets.UTF_8).length;
        });
    JsonArray entries = new JsonArray();
    for (int i = 0; i < page.entries().size(); i++) {
      entries.add(converted.get(i));
    }
    JsonObject out = new JsonObject();
    out.add("entries", entries);
    List<StoredEntry> read = page.entries();
    out.addProperty("cursor", page.more() && !read.isEmpty()
        ? query.cursorAfter(read.get(read.size() - 1).key()) : "");
    return out;
  }

  /** A snapshot read of a few keys; a missing key answers with a null value. */
  JsonObject get(JsonObject req) {
    JsonArray requested = Json.array(req, "keys");
    validator.getKeyCount(requested.size());
    List<byte[]> keys = readKeys(requested);
    List<StoredEntry> found = engine.get(keys);
    JsonArray entries = new JsonArray();
    for (int i = 0; i < found.size(); i++) {
      StoredEntry e = found.get(i);
      if (e != null) {
        entries.add(JsonValues.entry(e));
      } else {
        JsonObject missing = new JsonObject();
        missing.add("key", JsonKeys.toJson(keys.get(i)));
        missing.add("value", JsonNull.INSTANCE);
        missing.add("versionstamp", JsonNull.INSTANCE);
        missing.addProperty("expiresAtMs", 0);
        entries.add(missing);
      }
    }
    JsonObject out = new JsonObject();
    out.add("entries", entries);
    validator.getResponseBytes(out.toString().getBytes(StandardCharsets.UTF_8).length);
    return out;
  }

  /**
   * An atomic write: checks on versionstamps or absence, then set, delete, sum, min and max. A
   * failed check is an answer ({@code ok: false}), not an error: that is how an edit that lost a
   * race learns it.
   */
  CompletableFuture<JsonObject> write(JsonObject req, int bodyBytes) {
    validator.requestBytes(bodyBytes);
    long now = clock.millis();
    JsonArray checksJson = Json.array(req, "checks");
    List<Check> checks = new ArrayList<>(checksJson.size());
    for (int i = 0; i < checksJson.size(); i++) {
      checks.add(check(Json.member(checksJson, i, "checks[" + i + "]"), "checks[" + i + "]"));
    }
    JsonArray mutationsJson = Json.array(req, "mutations");
    List<Mutation> mutations = new ArrayList<>(mutationsJson.size());
    for (int i = 0; i < mutationsJson.size(); i++) {
      String field = "mutations[" + i + "]";
      mutations.add(mutation(Json.member(mutationsJson, i, field), field, now));
    }
    AtomicWrite write = new AtomicWrite(checks, mutations);
    validator.atomicWrite(write);
    return engine.commit(write).thenApply(ConsoleApi::result);
  }

  private static JsonObject result(CommitResult r) {
    JsonObject out = new JsonObject();
    out.addProperty("ok", r.ok());
    if (r.ok()) {
      out.addProperty("versionstamp", r.versionstamp().toString());
    } else {
      JsonArray checks = new JsonArray();
      r.failedChecks().forEach(checks::add);
      out.add("failedChecks", checks);
    }
    return out;
  }

  private static Check check(JsonObject c, String field) {
    byte[] key = JsonKeys.encode(c.get("key"), field + ".key");
    if (c.has("versionstamp")) {
      String hex = Json.string(c.get("versionstamp"), field + ".versionstamp");
      byte[] bytes;
      try {
        bytes = HexFormat.of().parseHex(hex);
      } catch (IllegalArgumentException e) {
        throw KvException.invalid("Invalid versionstamp");
      }
      return Check.versionstamp(key, Versionstamp.fromBytes(bytes));
    }
    if (Json.bool(c, "absent")) {
      return Check.absent(key);
    }
    throw KvException.invalid(field + " needs a versionstamp or \"absent\": true");
  }

  private static Mutation mutation(JsonObject m, String field, long nowMs) {
    byte[] key = JsonKeys.encode(m.get("key"), field + ".key");
    List<String> ops = new ArrayList<>();
    for (String op : List.of("set", "delete", "sum", "min", "max")) {
      if (m.has(op)) {
        ops.add(op);
      }
    }
    if (ops.size() != 1) {
      throw KvException.invalid(field + " needs exactly one of set, delete, sum, min or max");
    }
    String op = ops.get(0);
    if (!op.equals("set") && m.has("expireInMs")) {
      throw KvException.invalid(field + ".expireInMs applies to set only");
    }
    return switch (op) {
      case "set" -> new Mutation(key, MutationKind.SET,
          JsonValues.fromJson(m.get("set"), field + ".set"),
          RequestValidator.expiryAfter(nowMs, Json.integer(m, "expireInMs", 0)), false, null);
      case "delete" -> {
        if (!Json.bool(m, "delete")) {
          throw KvException.invalid(field + ".delete must be true");
        }
        yield Mutation.delete(key);
      }
      case "sum" -> Mutation.arithmetic(key, MutationKind.SUM,
          JsonValues.u64(m.get("sum"), field + ".sum"));
      case "min" -> Mutation.arithmetic(key, MutationKind.MIN,
          JsonValues.u64(m.get("min"), field + ".min"));
      default -> Mutation.arithmetic(key, MutationKind.MAX,
          JsonValues.u64(m.get("max"), field + ".max"));
    };
  }

  /** Registers a watch of the request's keys; its first poll gives every key's state. */
  KeyWatch watch(JsonObject req, WatchListener listener) {
    JsonArray requested = Json.array(req, "keys");
    validator.watchKeyCount(requested.size());
    return engine.watch(readKeys(requested), null, listener);
  }

  static JsonObject update(WatchUpdate u) {
    JsonArray keys = new JsonArray();
    for (WatchedKey k : u.keys()) {
      JsonObject key = new JsonObject();
      key.add("key", JsonKeys.toJson(k.key()));
      key.addProperty("changed", k.changed());
      key.add("entry", k.entry() == null ? JsonNull.INSTANCE : JsonValues.entry(k.entry()));
      keys.add(key);
    }
    JsonObject out = new JsonObject();
    out.add("keys", keys);
    out.addProperty("readVersionstamp", u.readVersionstamp().toString());
    return out;
  }

  private List<byte[]> readKeys(JsonArray requested) {
    List<byte[]> keys = new ArrayList<>(requested.size());
    for (int i = 0; i < requested.size(); i++) {
      JsonElement k = requested.get(i);
      byte[] key = JsonKeys.encodeNonEmpty(k, "keys[" + i + "]");
      validator.readKey(key);
      keys.add(key);
    }
    return keys;
  }
}
