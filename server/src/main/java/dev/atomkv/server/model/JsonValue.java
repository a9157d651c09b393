package dev.atomkv.server.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A JSON document as conditions see it. Numbers are doubles, as in JavaScript. */
public sealed interface JsonValue {
  /** An empty object: what a conditional mutation sees for a missing or non-json value. */
  JsonValue EMPTY_OBJECT = new Obj(Map.of());

  record Null() implements JsonValue {}

  record Bool(boolean value) implements JsonValue {}

  record Num(double value) implements JsonValue {}

  record Str(String value) implements JsonValue {}

  record Arr(List<JsonValue> elements) implements JsonValue {
    public Arr {
      elements = List.copyOf(elements);
    }
  }

  /** Fields keep their order, so a document written by a JavaScript client reads back as it was. */
  record Obj(Map<String, JsonValue> fields) implements JsonValue {
    public Obj {
      fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }
  }
}
