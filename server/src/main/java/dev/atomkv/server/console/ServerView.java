package dev.atomkv.server.console;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.atomkv.server.engine.EngineStats;
import dev.atomkv.server.engine.KvEngine;

/**
 * The console's Server view (docs/console.md): the version and settings in force, the storage,
 * and the history of the server's own metrics. Nothing of it is user data, and no setting that is
 * a secret is ever in it: any valid token may read it.
 */
final class ServerView {
  private final KvEngine engine;
  private final ServerFacts facts;

  ServerView(KvEngine engine, ServerFacts facts) {
    this.engine = engine;
    this.facts = facts;
  }

  JsonObject server() {
    JsonObject out = new JsonObject();
    out.addProperty("version", facts.version());
    JsonArray settings = new JsonArray();
    for (ServerFacts.Setting s : facts.settings()) {
      JsonObject setting = new JsonObject();
      setting.addProperty("name", s.name());
      if (s.value() == null) {
        setting.add("value", JsonNull.INSTANCE);
      } else {
        setting.addProperty("value", s.value());
      }
      settings.add(setting);
    }
    out.add("settings", settings);
    EngineStats stats = engine.stats();
    JsonObject storage = new JsonObject();
    storage.addProperty("mapUsedBytes", stats.mapUsedBytes());
    storage.addProperty("mapSizeBytes", stats.mapSizeBytes());
    storage.addProperty("keys", stats.keys());
    out.add("storage", storage);
    out.addProperty("cluster", engine.cluster() != null);
    return out;
  }

  JsonObject metrics() {
    ServerFacts.Metrics m = facts.metrics();
    JsonObject out = new JsonObject();
    out.addProperty("intervalMs", m.intervalMs());
    out.addProperty("capacity", m.capacity());
    JsonArray samples = new JsonArray();
    for (ServerFacts.MetricsPoint p : m.points()) {
      JsonObject sample = new JsonObject();
      sample.addProperty("atMs", p.atMs());
      sample.addProperty("callsPerSecond", p.callsPerSecond());
      JsonObject errors = new JsonObject();
      p.errorsPerSecond().forEach(errors::addProperty);
      sample.add("errorsPerSecond", errors);
      figure(sample, "p50Ms", p.p50Ms());
      figure(sample, "p99Ms", p.p99Ms());
      figure(sample, "batchSize", p.batchSize());
      samples.add(sample);
    }
    out.add("samples", samples);
    return out;
  }

  private static void figure(JsonObject out, String name, Double value) {
    if (value == null) {
      out.add(name, JsonNull.INSTANCE);
    } else {
      out.addProperty(name, value);
    }
  }
}
