package dev.atomkv.client;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The FoundationDB tuple encoding of keys, as Deno KV and the atomkv server store them (SPEC §1.1).
 * The unsigned byte order of encoded keys is the key order, and an encoded key is what List
 * cursors are made of.
 *
 * <table>
 *   <caption>Encoding of one part</caption>
 *   <tr><td>bytes</td><td>{@code 01}, payload with each {@code 00} written {@code 00 FF}, {@code 00}</td></tr>
 *   <tr><td>string</td><td>{@code 02}, UTF-8 escaped the same way, {@code 00}</td></tr>
 *   <tr><td>integer 0</td><td>{@code 14}</td></tr>
 *   <tr><td>integer &gt; 0</td><td>{@code 14+n} and the n-byte (n &le; 8) big-endian magnitude;
 *       {@code 1D n magnitude} when n &gt; 8</td></tr>
 *   <tr><td>integer &lt; 0</td><td>{@code 14-n} and the ones' complement of the magnitude;
 *       {@code 0B (n XOR FF) complement} when n &gt; 8</td></tr>
 *   <tr><td>number</td><td>{@code 21} and the IEEE bits, big-endian: all flipped when negative,
 *       else the sign bit flipped; NaN canonicalised to {@code 7ff8000000000000} (sign kept)</td></tr>
 *   <tr><td>false, true</td><td>{@code 26}, {@code 27}</td></tr>
 * </table>
 *
 * <p>Integer magnitudes are at most 255 bytes.
 */
public final class KeyCodec {
  static final int BYTES = 0x01;
  static final int STRING = 0x02;
  static final int NEG_BIG_INT = 0x0b;
  static final int INT_ZERO = 0x14;
  static final int POS_BIG_INT = 0x1d;
  static final int NUMBER = 0x21;
  static final int FALSE = 0x26;
  static final int TRUE = 0x27;

  static final long CANONICAL_NAN = 0x7ff8000000000000L;
  static final int MAX_INT_MAGNITUDE_BYTES = 255;

  private KeyCodec() {}

  /** The encoded bytes of a key (a fresh array). */
  public static byte[] encode(Key key) {
    return key.encoded().clone();
  }

  /**
   * Decodes canonically encoded key bytes.
   *
   * @throws IllegalArgumentException if the bytes are truncated, use an unknown type code, hold
   *     invalid UTF-8, or are not the canonical encoding of the key they decode to
   */
  public static Key decode(byte[] bytes) {
    List<Object> parts = new ArrayList<>();
    Reader in = new Reader(bytes);
    while (in.hasMore()) {
      parts.add(decodePart(in));
    }
    Key key = Key.ofParts(parts);
    if (!Arrays.equals(key.encoded(), bytes)) {
      throw new IllegalArgumentException("key bytes are not canonical: " + Text.hex(bytes));
    }
    return key;
  }

  /** Encodes normalised parts (see {@link Key#parts()}). */
  static byte[] encodeParts(List<Object> parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object part : parts) {
      if (part instanceof byte[] b) {
        out.write(BYTES);
        writeEscaped(out, b);
      } else if (part instanceof String s) {
        out.write(STRING);
        writeEscaped(out, s.getBytes(StandardCharsets.UTF_8));
      } else if (part instanceof Long l) {
        writeLong(out, l);
      } else if (part instanceof BigInteger bi) {
        writeBigInteger(out, bi);
      } else if (part instanceof Double d) {
        out.write(NUMBER);
        writeNumber(out, d);
      } else if (part instanceof Boolean b) {
        out.write(b ? TRUE : FALSE);
      } else {
        throw new IllegalArgumentException("unsupported key part type: " + part.getClass().getName());
      }
    }
    return out.toByteArray();
  }

  private static void writeEscaped(ByteArrayOutputStream out, byte[] payload) {
    for (byte b : payload) {
      out.write(b);
      if (b == 0) {
        out.write(0xff);
      }
    }
    out.write(0);
  }

  private static void writeLong(ByteArrayOutputStream out, long v) {
    if (v == 0) {
      out.write(INT_ZERO);
      return;
    }
    // -Long.MIN_VALUE overflows back to 2^63, which is the right magnitude read unsigned.
    long magnitude = v > 0 ? v : -v;
    int n = (64 - Long.numberOfLeadingZeros(magnitude) + 7) / 8;
    out.write(v > 0 ? INT_ZERO + n : INT_ZERO - n);
    long payload = v > 0 ? magnitude : ~magnitude;
    for (int i = n - 1; i >= 0; i--) {
      out.write((int) (payload >>> (8 * i)));
    }
  }

  private static void writeBigInteger(ByteArrayOutputStream out, BigInteger v) {
    byte[] magnitude = magnitudeBytes(v.abs());
    int n = magnitude.length;
    if (n > MAX_INT_MAGNITUDE_BYTES) {
      throw new IllegalArgumentException("integer key part too large (max 255 bytes): " + n + " bytes");
    }
    if (v.signum() > 0) {
      if (n <= 8) {
        out.write(INT_ZERO + n);
      } else {
        out.write(POS_BIG_INT);
        out.write(n);
      }
      out.write(magnitude, 0, n);
    } else {
      if (n <= 8) {
        out.write(INT_ZERO - n);
      } else {
        out.write(NEG_BIG_INT);
        out.write(n ^ 0xff);
      }
      for (byte b : magnitude) {
        out.write(~b);
      }
    }
  }

  /** Minimal big-endian bytes of a non-negative integer (empty for zero is never needed here). */
  static byte[] magnitudeBytes(BigInteger nonNegative) {
    byte[] twos = nonNegative.toByteArray();
    return twos.length > 1 && twos[0] == 0 ? Arrays.copyOfRange(twos, 1, twos.length) : twos;
  }

  private static void writeNumber(ByteArrayOutputStream out, double d) {
    long bits = Double.doubleToRawLongBits(d);
    if (Double.isNaN(d)) {
      bits = (bits & Long.MIN_VALUE) | CANONICAL_NAN;
    }
    bits = bits < 0 ? ~bits : bits ^ Long.MIN_VALUE;
    for (int i = 7; i >= 0; i--) {
      out.write((int) (bits >>> (8 * i)));
    }
  }

  private static Object decodePart(Reader in) {
    int tag = in.next();
    if (tag == BYTES) {
      return in.escaped();
    }
    if (tag == STRING) {
      return utf8(in.escaped());
    }
    if (tag == FALSE || tag == TRUE) {
      return tag == TRUE;
    }
    if (tag == NUMBER) {
      long bits = in.bigEndian(8);
      return Double.longBitsToDouble(bits < 0 ? bits ^ Long.MIN_VALUE : ~bits);
    }
    if (tag == INT_ZERO) {
      return 0L;
    }
    if (tag > INT_ZERO && tag < POS_BIG_INT) {
      return integer(false, in.take(tag - INT_ZERO));
    }
    if (tag < INT_ZERO && tag > NEG_BIG_INT) {
      return integer(true, in.take(INT_ZERO - tag));
    }
    if (tag == POS_BIG_INT) {
      return integer(false, in.take(in.next()));
    }
    if (tag == NEG_BIG_INT) {
      return integer(true, in.take(in.next() ^ 0xff));
    }
    throw new IllegalArgumentException(
        "unknown key part type code 0x" + Integer.toHexString(tag) + " at offset " + (in.pos - 1));
  }

  private static Object integer(boolean negative, byte[] payload) {
    if (negative) {
      for (int i = 0; i < payload.length; i++) {
        payload[i] = (byte) ~payload[i];
      }
    }
    BigInteger magnitude = new BigInteger(1, payload);
    return Key.normaliseInteger(negative ? magnitude.negate() : magnitude);
  }

  private static String utf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("string key part is not valid UTF-8", e);
    }
  }

  private static final class Reader {
    private final byte[] bytes;
    private int pos;

    Reader(byte[] bytes) {
      this.bytes = bytes;
    }

    boolean hasMore() {
      return pos < bytes.length;
    }

    int next() {
      if (pos >= bytes.length) {
        throw truncated();
      }
      return bytes[pos++] & 0xff;
    }

    byte[] take(int n) {
      if (bytes.length - pos < n) {
        throw truncated();
      }
      byte[] out = Arrays.copyOfRange(bytes, pos, pos + n);
      pos += n;
      return out;
    }

    long bigEndian(int n) {
      long v = 0;
      for (byte b : take(n)) {
        v = (v << 8) | (b & 0xff);
      }
      return v;
    }

    /** Reads an escaped payload up to its unescaped 0x00 terminator. */
    byte[] escaped() {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      while (true) {
        int b = next();
        if (b != 0) {
          out.write(b);
        } else if (pos < bytes.length && (bytes[pos] & 0xff) == 0xff) {
          out.write(0);
          pos++;
        } else {
          return out.toByteArray();
        }
      }
    }

    private IllegalArgumentException truncated() {
      return new IllegalArgumentException("key bytes end in the middle of a part: " + Text.hex(bytes));
    }
  }
}
