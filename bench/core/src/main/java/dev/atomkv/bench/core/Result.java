package dev.atomkv.bench.core;

import java.util.LinkedHashMap;
import java.util.Map;

/** The figures of one timed run, as an ordered flat map that travels as one JSON line. */
public final class Result {
  private final Map<String, Object> fields = new LinkedHashMap<>();

  public Result(String system, String scenario, int concurrency) {
    fields.put("system", system);
    fields.put("scenario", scenario);
    fields.put("concurrency", concurrency);
  }

  private Result(Map<String, Object> fields) {
    this.fields.putAll(fields);
  }

  public Result put(String key, Object value) {
    fields.put(key, value);
    return this;
  }

  public Object get(String key) {
    return fields.get(key);
  }

  public double num(String key) {
    Object v = fields.get(key);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  public String str(String key) {
    Object v = fields.get(key);
    return v == null ? null : String.valueOf(v);
  }

  public Map<String, Object> fields() {
    return fields;
  }

  public String toJson() {
    return Json.write(fields);
  }

  @SuppressWarnings("unchecked")
  public static Result fromJson(String json) {
    return new Result((Map<String, Object>) Json.parse(json));
  }
}
