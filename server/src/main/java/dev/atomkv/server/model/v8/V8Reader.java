package dev.atomkv.server.model.v8;

import dev.atomkv.server.model.JsonValue;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the subset of V8's ValueSerializer format that has a JSON equivalent (plus numbers and
 * bigints, for sums). Anything outside it, or malformed, reads as null: the caller then keeps the
 * bytes opaque, so nothing a JavaScript program stored is ever changed by being read here.
 */
public final class V8Reader {
  /** Deeper documents stay opaque rather than risk the stack. */
  static final int MAX_DEPTH = 200;

  /** Thrown, without a stack trace, when the value is outside the subset. */
  private static final class Outside extends RuntimeException {
    Outside() {
      super(null, null, false, false);
    }
  }

  private static final Outside OUTSIDE = new Outside();

  private final byte[] in;
  private int pos;

  private V8Reader(byte[] in) {
    this.in = in;
  }

  /**
   * The JSON document a V8-serialised value is, or null when it is not plain JSON: objects with
   * string (or array-index) keys, dense arrays without holes, strings without lone surrogates,
   * finite numbers, booleans and null, each object met once (no shared or cyclic references).
   */
  public static JsonValue toJson(byte[] v8) {
    V8Reader r = new V8Reader(v8);
    try {
      r.header();
      JsonValue v = r.json(r.tag(), 0);
      r.end();
      return v;
    } catch (Outside | ArrayIndexOutOfBoundsException e) {
      return null;
    }
  }

  /** The number or bigint a V8-serialised value is, or null when it is anything else. */
  public static V8Number toNumber(byte[] v8) {
    V8Reader r = new V8Reader(v8);
    try {
      r.header();
      int tag = r.tag();
      V8Number n = tag == V8Tags.BIGINT ? new V8Number.Big(r.bigint()) : number(r.scalar(tag));
      r.end();
      return n;
    } catch (Outside | ArrayIndexOutOfBoundsException e) {
      return null;
    }
  }

  private static V8Number number(JsonValue scalar) {
    if (scalar instanceof JsonValue.Num n) {
      return new V8Number.Num(n.value());
    }
    throw OUTSIDE;
  }

  private void header() {
    if (u8() != V8Tags.VERSION) {
      throw OUTSIDE;
    }
    long version = varint();
    if (version < V8Tags.OLDEST_READ_VERSION || version > V8Tags.NEWEST_READ_VERSION) {
      throw OUTSIDE;
    }
  }

  private void end() {
    while (pos < in.length) {
      if (u8() != V8Tags.PADDING) {
        throw OUTSIDE;
      }
    }
  }

  private int tag() {
    int t;
    do {
      t = u8();
    } while (t == V8Tags.PADDING || t == V8Tags.VERIFY_OBJECT_COUNT && skipVarint());
    return t;
  }

  private boolean skipVarint() {
    varint();
    return true;
  }

  private JsonValue json(int tag, int depth) {
    if (depth > MAX_DEPTH) {
      throw OUTSIDE;
    }
    if (tag == V8Tags.BEGIN_OBJECT) {
      Map<String, JsonValue> fields = new LinkedHashMap<>();
      int t;
      while ((t = tag()) != V8Tags.END_OBJECT) {
        String name = key(t);
        if (fields.put(name, json(tag(), depth + 1)) != null) {
          throw OUTSIDE;
        }
      }
      if (varint() != fields.size()) {
        throw OUTSIDE;
      }
      return new JsonValue.Obj(fields);
    }
    if (tag == V8Tags.BEGIN_DENSE_ARRAY) {
      long length = varint();
      if (length > in.length - pos) { // every element takes at least one byte
        throw OUTSIDE;
      }
      List<JsonValue> elements = new ArrayList<>((int) length);
      for (long i = 0; i < length; i++) {
        elements.add(json(tag(), depth + 1));
      }
      // Extra named properties on an array have no JSON form.
      if (tag() != V8Tags.END_DENSE_ARRAY || varint() != 0 || varint() != length) {
        throw OUTSIDE;
      }
      return new JsonValue.Arr(elements);
    }
    return scalar(tag);
  }

  private JsonValue scalar(int tag) {
    switch (tag) {
      case V8Tags.NULL:
        return new JsonValue.Null();
      case V8Tags.TRUE:
        return new JsonValue.Bool(true);
      case V8Tags.FALSE:
        return new JsonValue.Bool(false);
      case V8Tags.INT32:
        long zigzag = varint();
        return new JsonValue.Num((double) ((zigzag >>> 1) ^ -(zigzag & 1)));
      case V8Tags.UINT32:
        return new JsonValue.Num((double) varint());
      case V8Tags.DOUBLE:
        double d = ByteBuffer.wrap(bytes(8)).order(ByteOrder.LITTLE_ENDIAN).getDouble();
        if (!Double.isFinite(d)) {
          throw OUTSIDE;
        }
        return new JsonValue.Num(d);
      case V8Tags.ONE_BYTE_STRING:
        return new JsonValue.Str(new String(bytes(length()), StandardCharsets.ISO_8859_1));
      case V8Tags.TWO_BYTE_STRING:
        return new JsonValue.Str(utf16(bytes(length())));
      case V8Tags.UTF8_STRING:
        return new JsonValue.Str(utf8(bytes(length())));
      default:
        throw OUTSIDE;
    }
  }

  /** An object key: a string, or an array index that V8 writes as a number. */
  private String key(int tag) {
    JsonValue k = scalar(tag);
    if (k instanceof JsonValue.Str s) {
      return s.value();
    }
    double d = ((JsonValue.Num) k).value();
    if (d < 0 || d != Math.rint(d) || d > 4294967294.0 || (d == 0 && 1 / d < 0)) {
      throw OUTSIDE;
    }
    return Long.toString((long) d);
  }

  private BigInteger bigint() {
    long bitfield = varint();
    int length = Math.toIntExact(bitfield >>> 1);
    byte[] little = bytes(length);
    byte[] big = new byte[length];
    for (int i = 0; i < length; i++) {
      big[i] = little[length - 1 - i];
    }
    BigInteger magnitude = new BigInteger(1, big);
    return (bitfield & 1) != 0 ? magnitude.negate() : magnitude;
  }

  private static String utf16(byte[] b) {
    if (b.length % 2 != 0) {
      throw OUTSIDE;
    }
    char[] chars = new char[b.length / 2];
    for (int i = 0; i < chars.length; i++) {
      chars[i] = (char) ((b[2 * i] & 0xff) | (b[2 * i + 1] & 0xff) << 8);
    }
    for (int i = 0; i < chars.length; i++) {
      // A lone surrogate has no UTF-8 (and so no json string) form.
      if (Character.isHighSurrogate(chars[i])) {
        if (i + 1 >= chars.length || !Character.isLowSurrogate(chars[i + 1])) {
          throw OUTSIDE;
        }
        i++;
      } else if (Character.isLowSurrogate(chars[i])) {
        throw OUTSIDE;
      }
    }
    return new String(chars);
  }

  private static String utf8(byte[] b) {
    try {
      CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b));
      return chars.toString();
    } catch (CharacterCodingException e) {
      throw OUTSIDE;
    }
  }

  private int length() {
    long n = varint();
    if (n > in.length - pos) {
      throw OUTSIDE;
    }
    return (int) n;
  }

  private byte[] bytes(int n) {
    if (n > in.length - pos) {
      throw OUTSIDE;
    }
    byte[] out = new byte[n];
    System.arraycopy(in, pos, out, 0, n);
    pos += n;
    return out;
  }

  private int u8() {
    return in[pos++] & 0xff;
  }

  private long varint() {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = u8();
      result |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return result;
      }
    }
    throw OUTSIDE;
  }
}
