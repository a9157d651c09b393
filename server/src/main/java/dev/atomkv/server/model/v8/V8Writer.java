package dev.atomkv.server.model.v8;

import dev.atomkv.server.model.JsonValue;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * Writes JSON documents, numbers and bigints in V8's ValueSerializer format, byte for byte as
 * V8 itself does for these values (Node's {@code v8.serialize} is the reference in the tests), so
 * that a JavaScript client deserialises exactly the value a gRPC client stored.
 */
public final class V8Writer {
  /**
   * Integers V8 writes as a small integer (Smi) in Node and Deno on 64-bit machines (32-bit Smis);
   * others are doubles. Any V8 reads an int32 tag back as the same number.
   */
  private static final int SMI_MIN = Integer.MIN_VALUE;
  private static final int SMI_MAX = Integer.MAX_VALUE;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream(32);

  private V8Writer() {
    out.write(V8Tags.VERSION);
    out.write(V8Tags.WRITTEN_VERSION);
  }

  public static byte[] write(JsonValue value) {
    V8Writer w = new V8Writer();
    w.json(value);
    return w.out.toByteArray();
  }

  public static byte[] write(V8Number number) {
    V8Writer w = new V8Writer();
    if (number instanceof V8Number.Big b) {
      w.bigint(b.value());
    } else {
      w.number(((V8Number.Num) number).value());
    }
    return w.out.toByteArray();
  }

  private void json(JsonValue value) {
    if (value instanceof JsonValue.Null) {
      out.write(V8Tags.NULL);
    } else if (value instanceof JsonValue.Bool b) {
      out.write(b.value() ? V8Tags.TRUE : V8Tags.FALSE);
    } else if (value instanceof JsonValue.Num n) {
      number(n.value());
    } else if (value instanceof JsonValue.Str s) {
      string(s.value());
    } else if (value instanceof JsonValue.Arr a) {
      out.write(V8Tags.BEGIN_DENSE_ARRAY);
      varint(a.elements().size());
      // An array of numbers that are not all Smis is a double array in V8, whose elements it
      // writes as doubles, integers included.
      boolean doubles = !a.elements().isEmpty()
          && a.elements().stream().allMatch(e -> e instanceof JsonValue.Num)
          && a.elements().stream().anyMatch(e -> !isSmi(((JsonValue.Num) e).value()));
      for (JsonValue e : a.elements()) {
        if (doubles) {
          doubleValue(((JsonValue.Num) e).value());
        } else {
          json(e);
        }
      }
      out.write(V8Tags.END_DENSE_ARRAY);
      varint(0);
      varint(a.elements().size());
    } else {
      Map<String, JsonValue> fields = ((JsonValue.Obj) value).fields();
      out.write(V8Tags.BEGIN_OBJECT);
      fields.forEach((name, child) -> {
        long index = arrayIndex(name);
        if (index >= 0 && index <= SMI_MAX) {
          smi((int) index); // V8 writes integer-like keys as numbers
        } else {
          string(name);
        }
        json(child);
      });
      out.write(V8Tags.END_OBJECT);
      varint(fields.size());
    }
  }

  private void number(double d) {
    if (isSmi(d)) {
      smi((int) d);
    } else {
      doubleValue(d);
    }
  }

  private static boolean isSmi(double d) {
    boolean negativeZero = d == 0 && 1 / d < 0;
    return d == Math.rint(d) && d >= SMI_MIN && d <= SMI_MAX && !negativeZero;
  }

  private void doubleValue(double d) {
    out.write(V8Tags.DOUBLE);
    out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(d).array());
  }

  private void smi(int v) {
    out.write(V8Tags.INT32);
    int zigzag = (v << 1) ^ (v >> 31);
    varint(zigzag & 0xffffffffL);
  }

  private void string(String s) {
    boolean oneByte = s.chars().allMatch(c -> c <= 0xff);
    if (oneByte) {
      out.write(V8Tags.ONE_BYTE_STRING);
      varint(s.length());
      for (int i = 0; i < s.length(); i++) {
        out.write(s.charAt(i));
      }
      return;
    }
    int byteLength = s.length() * 2;
    // V8 keeps two-byte string data at an even offset from the start of the buffer.
    if (((out.size() + 1 + varintSize(byteLength)) & 1) != 0) {
      out.write(V8Tags.PADDING);
    }
    out.write(V8Tags.TWO_BYTE_STRING);
    varint(byteLength);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      out.write(c & 0xff);
      out.write(c >>> 8);
    }
  }

  private void bigint(BigInteger v) {
    byte[] big = v.abs().toByteArray();
    int significant = big.length - (big[0] == 0 ? 1 : 0);
    // V8 writes whole 64-bit digits; zero has none.
    int length = v.signum() == 0 ? 0 : (significant + 7) / 8 * 8;
    out.write(V8Tags.BIGINT);
    varint((long) length << 1 | (v.signum() < 0 ? 1 : 0));
    for (int i = 0; i < length; i++) {
      int from = big.length - 1 - i;
      out.write(from >= 0 && i < significant ? big[from] : 0);
    }
  }

  /** The key as an array index (0 .. 2^32-2 in canonical decimal form), or -1. */
  private static long arrayIndex(String name) {
    if (name.isEmpty() || name.length() > 10 || (name.length() > 1 && name.charAt(0) == '0')) {
      return -1;
    }
    long v = 0;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v <= 4294967294L ? v : -1;
  }

  private void varint(long v) {
    while ((v & ~0x7fL) != 0) {
      out.write((int) (v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.write((int) v);
  }

  private static int varintSize(long v) {
    int n = 1;
    while ((v & ~0x7fL) != 0) {
      v >>>= 7;
      n++;
    }
    return n;
  }
}
