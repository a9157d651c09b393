package dev.atomkv.client;

import com.google.protobuf.Value;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable stored value. A value remembers its {@link Kind}; the server's {@code sum}, {@code
 * min} and {@code max} work only on {@link Kind#U64}. At most 65536 bytes of counted size (bytes,
 * v8 and string by their (UTF-8) length, u64 as 8, json as its serialised protobuf size).
 */
public final class KvValue {
  /** The kind of a value. */
  public enum Kind {
    /** Opaque bytes. */
    BYTES,
    /** UTF-8 text. */
    STRING,
    /** An unsigned 64-bit counter (Deno.KvU64), held in a {@code long}. */
    U64,
    /** A JSON document ({@code google.protobuf.Value}); numbers are doubles, NaN and infinities are rejected by the server. */
    JSON,
    /** V8-serialised bytes written by Deno clients; opaque to Java. */
    V8
  }

  private final Kind kind;
  private final Object payload; // byte[] (a private copy), String, Long or Value

  private KvValue(Kind kind, Object payload) {
    this.kind = kind;
    this.payload = payload;
  }

  /** A string value. */
  public static KvValue of(String text) {
    return new KvValue(Kind.STRING, Objects.requireNonNull(text, "text"));
  }

  /** A bytes value (the array is copied). */
  public static KvValue of(byte[] bytes) {
    return new KvValue(Kind.BYTES, bytes.clone());
  }

  /** A u64 value; the {@code long} is read as unsigned (-1 is 2^64-1). */
  public static KvValue u64(long unsigned) {
    return new KvValue(Kind.U64, unsigned);
  }

  /** V8-serialised bytes (copied), as Deno clients store structured values. */
  public static KvValue v8(byte[] serialised) {
    return new KvValue(Kind.V8, serialised.clone());
  }

  /**
   * A JSON value from a protobuf document, taken as is; {@code null} is JSON null.
   *
   * @throws IllegalArgumentException if the value has no kind set
   */
  public static KvValue json(Value json) {
    if (json == null) {
      return json((Object) null);
    }
    if (json.getKindCase() == Value.KindCase.KIND_NOT_SET) {
      throw new IllegalArgumentException("json value has no kind set");
    }
    return new KvValue(Kind.JSON, json);
  }

  /**
   * A JSON value from a plain Java document, converted now (later changes to {@code doc} do not
   * affect the value):
   *
   * <ul>
   *   <li>{@code Map} with {@code String} keys: an object (field order kept as the map iterates);
   *   <li>{@code Collection} or array (object or primitive): an array, in iteration order;
   *   <li>{@code String}: a string; {@code Boolean}: true or false; {@code null}: null;
   *   <li>{@code Number}: a number, as {@link Number#doubleValue()} (a {@code long} beyond
   *       2<sup>53</sup> loses precision);
   *   <li>{@code google.protobuf.Value}: itself.
   * </ul>
   *
   * <pre>{@code
   * KvValue.json(Map.of("surname", "Smith", "age", 31, "tags", List.of("a", "b")))
   * }</pre>
   *
   * @throws IllegalArgumentException for any other type, a non-string map key, a NaN or infinite
   *     number, or a container that contains itself; the message names where, e.g. {@code $.tags[1]}
   */
  public static KvValue json(Object doc) {
    return new KvValue(Kind.JSON, Json.toValue(doc));
  }

  /** The kind. */
  public Kind kind() {
    return kind;
  }

  /** The text of a {@link Kind#STRING} value. */
  public String asString() {
    return (String) expect(Kind.STRING);
  }

  /** A copy of the bytes of a {@link Kind#BYTES} value. */
  public byte[] asBytes() {
    return ((byte[]) expect(Kind.BYTES)).clone();
  }

  /** The counter of a {@link Kind#U64} value, unsigned in a {@code long} (see {@link Long#toUnsignedString}). */
  public long asU64() {
    return (Long) expect(Kind.U64);
  }

  /** The document of a {@link Kind#JSON} value, as a protobuf value. */
  public Value asJson() {
    return (Value) expect(Kind.JSON);
  }

  /**
   * The document of a {@link Kind#JSON} value as plain Java, a fresh copy the caller may modify:
   * objects as {@code LinkedHashMap<String, Object>}, arrays as {@code ArrayList<Object>}, strings
   * as {@code String}, numbers as {@code Double}, booleans as {@code Boolean}, and null as {@code
   * null}. {@code KvValue.json(v.asDocument())} equals {@code v}.
   */
  public Object asDocument() {
    return Json.fromValue(asJson());
  }

  /**
   * The document of a {@link Kind#JSON} value that is an object, as {@link #asDocument()} gives it.
   *
   * @throws IllegalStateException if the value is not JSON or the document is not an object
   */
  @SuppressWarnings("unchecked")
  public Map<String, Object> asMap() {
    Value json = asJson();
    if (json.getKindCase() != Value.KindCase.STRUCT_VALUE) {
      throw new IllegalStateException("json document is not an object but " + Text.jsonType(json));
    }
    return (Map<String, Object>) Json.fromValue(json);
  }

  /** A copy of the serialised bytes of a {@link Kind#V8} value. */
  public byte[] asV8() {
    return ((byte[]) expect(Kind.V8)).clone();
  }

  private Object expect(Kind wanted) {
    if (kind != wanted) {
      throw new IllegalStateException("value is " + kind + ", not " + wanted);
    }
    return payload;
  }

  /** The payload without copying; callers must not modify byte arrays. */
  Object rawPayload() {
    return payload;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof KvValue v) || v.kind != kind) {
      return false;
    }
    return payload instanceof byte[] b ? Arrays.equals(b, (byte[]) v.payload) : payload.equals(v.payload);
  }

  @Override
  public int hashCode() {
    int h = payload instanceof byte[] b ? Arrays.hashCode(b) : payload.hashCode();
    return 31 * kind.hashCode() + h;
  }

  /** {@code string("hi")}, {@code bytes(0107)}, {@code u64(42)}, {@code json({"a":1})}, {@code v8(ff0f)}. */
  @Override
  public String toString() {
    String body = switch (kind) {
      case STRING -> Text.quote((String) payload);
      case BYTES, V8 -> Text.hex((byte[]) payload);
      case U64 -> Long.toUnsignedString((Long) payload);
      case JSON -> Text.json((Value) payload);
    };
    return kind.name().toLowerCase() + "(" + body + ")";
  }
}
