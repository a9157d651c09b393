package dev.atomkv.server.model;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The FoundationDB tuple encoding, as Deno KV uses it: unsigned byte order of the encoding is key
 * order, and a Deno client's encoded keys are the same bytes. Every key has exactly one encoding;
 * {@link #decode} rejects any other.
 */
public final class KeyCodec {
  static final int BYTES = 0x01;
  static final int STRING = 0x02;
  static final int NEG_INT_BIG = 0x0b;
  static final int INT_ZERO = 0x14;
  static final int POS_INT_BIG = 0x1d;
  static final int NUMBER = 0x21;
  static final int FALSE = 0x26;
  static final int TRUE = 0x27;

  /** The largest integer magnitude the encoding can carry: 255 bytes. */
  public static final int MAX_INT_MAGNITUDE_BYTES = 255;

  private static final long CANONICAL_NAN = 0x7ff8000000000000L;

  private KeyCodec() {}

  public static byte[] encode(Key key) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(32);
    for (KeyPart part : key.parts()) {
      encodePart(part, out);
    }
    return out.toByteArray();
  }

  /** The key extended by one string part, without decoding it (versionstamp suffixes). */
  public static byte[] appendString(byte[] encodedKey, String text) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(encodedKey.length + text.length() + 2);
    out.writeBytes(encodedKey);
    encodePart(new KeyPart.Text(text), out);
    return out.toByteArray();
  }

  private static void encodePart(KeyPart part, ByteArrayOutputStream out) {
    if (part instanceof KeyPart.Bytes b) {
      out.write(BYTES);
      writeEscaped(b.value(), out);
    } else if (part instanceof KeyPart.Text t) {
      out.write(STRING);
      writeEscaped(t.value().getBytes(StandardCharsets.UTF_8), out);
    } else if (part instanceof KeyPart.Int i) {
      writeInt(i.value(), out);
    } else if (part instanceof KeyPart.Number n) {
      out.write(NUMBER);
      out.writeBytes(ByteBuffer.allocate(8).putLong(orderedBits(n.value())).array());
    } else if (part instanceof KeyPart.Bool b) {
      out.write(b.value() ? TRUE : FALSE);
    } else {
      throw new IllegalArgumentException("unknown key part " + part);
    }
  }

  private static void writeEscaped(byte[] payload, ByteArrayOutputStream out) {
    // Copies the runs between zero bytes whole: byte-at-a-time writes to the (synchronized)
    // stream showed in the profile of every Atomic.
    int run = 0;
    for (int i = 0; i < payload.length; i++) {
      if (payload[i] == 0) {
        out.write(payload, run, i + 1 - run);
        out.write(0xff);
        run = i + 1;
      }
    }
    out.write(payload, run, payload.length - run);
    out.write(0);
  }

  private static void writeInt(BigInteger value, ByteArrayOutputStream out) {
    int sign = value.signum();
    if (sign == 0) {
      out.write(INT_ZERO);
      return;
    }
    byte[] magnitude = magnitudeBytes(value.abs());
    int n = magnitude.length;
    if (n > MAX_INT_MAGNITUDE_BYTES) {
      throw KvException.invalid("integer key part too large (max 255 bytes of magnitude)");
    }
    if (sign > 0) {
      if (n <= 8) {
        out.write(INT_ZERO + n);
      } else {
        out.write(POS_INT_BIG);
        out.write(n);
      }
      out.writeBytes(magnitude);
    } else {
      if (n <= 8) {
        out.write(INT_ZERO - n);
      } else {
        out.write(NEG_INT_BIG);
        out.write(n ^ 0xff);
      }
      for (byte b : magnitude) {
        out.write(~b & 0xff);
      }
    }
  }

  /** Minimal big-endian magnitude, without the sign byte BigInteger may add. */
  private static byte[] magnitudeBytes(BigInteger abs) {
    byte[] raw = abs.toByteArray();
    return raw[0] == 0 ? Arrays.copyOfRange(raw, 1, raw.length) : raw;
  }

  /** IEEE bits rearranged so that unsigned order is numeric order; NaNs canonicalised first. */
  private static long orderedBits(double d) {
    long bits = Double.doubleToRawLongBits(d);
    if (Double.isNaN(d)) {
      bits = (bits & Long.MIN_VALUE) | CANONICAL_NAN;
    }
    return bits < 0 ? ~bits : bits ^ Long.MIN_VALUE;
  }

  private static double fromOrderedBits(long ordered) {
    long bits = ordered < 0 ? ordered ^ Long.MIN_VALUE : ~ordered;
    return Double.longBitsToDouble(bits);
  }

  /**
   * Decodes an encoded key, rejecting bytes that are not the canonical encoding of some key (so
   * that a key arriving as raw bytes cannot alias another).
   */
  public static Key decode(byte[] encoded) {
    List<KeyPart> parts = new ArrayList<>();
    int[] pos = {0};
    while (pos[0] < encoded.length) {
      parts.add(decodePart(encoded, pos));
    }
    Key key = new Key(parts);
    if (!Arrays.equals(encode(key), encoded)) {
      throw KvException.invalid("key is not canonically encoded");
    }
    return key;
  }

  /**
   * The offset just after {@code count} encoded parts that start at {@code from}, found without
   * decoding them: a reader that needs only the parts after them (an index entry's document key,
   * after its partition and range values) skips the cost of building values it would drop.
   */
  public static int skipParts(byte[] in, int from, int count) {
    int at = from;
    for (int i = 0; i < count; i++) {
      need(in, at, 1);
      int code = in[at++] & 0xff;
      if (code == BYTES || code == STRING) {
        // Up to the terminating 0x00; a 0x00 followed by 0xFF is an escaped zero byte.
        while (true) {
          need(in, at, 1);
          if (in[at++] == 0) {
            if (at < in.length && in[at] == (byte) 0xff) {
              at++;
            } else {
              break;
            }
          }
        }
      } else if (code == NUMBER) {
        at += 8;
      } else if (code == FALSE || code == TRUE) {
        continue;
      } else if (code == POS_INT_BIG || code == NEG_INT_BIG) {
        need(in, at, 1);
        int n = in[at++] & 0xff;
        at += code == NEG_INT_BIG ? n ^ 0xff : n;
      } else if (code > NEG_INT_BIG && code < POS_INT_BIG) {
        at += Math.abs(code - INT_ZERO);
      } else {
        throw KvException.invalid("invalid key part type code " + code);
      }
      need(in, at, 0);
    }
    return at;
  }

  private static KeyPart decodePart(byte[] in, int[] pos) {
    int code = in[pos[0]++] & 0xff;
    if (code == BYTES) {
      return new KeyPart.Bytes(readEscaped(in, pos));
    }
    if (code == STRING) {
      return new KeyPart.Text(utf8(readEscaped(in, pos)));
    }
    if (code == NUMBER) {
      need(in, pos[0], 8);
      long ordered = ByteBuffer.wrap(in, pos[0], 8).getLong();
      pos[0] += 8;
      return new KeyPart.Number(fromOrderedBits(ordered));
    }
    if (code == FALSE || code == TRUE) {
      return new KeyPart.Bool(code == TRUE);
    }
    if (code >= NEG_INT_BIG && code <= POS_INT_BIG) {
      return new KeyPart.Int(readInt(code, in, pos));
    }
    throw KvException.invalid("invalid key part type code " + code);
  }

  private static BigInteger readInt(int code, byte[] in, int[] pos) {
    if (code == INT_ZERO) {
      return BigInteger.ZERO;
    }
    boolean negative = code < INT_ZERO;
    int n;
    if (code == POS_INT_BIG || code == NEG_INT_BIG) {
      need(in, pos[0], 1);
      n = in[pos[0]++] & 0xff;
      if (negative) {
        n ^= 0xff;
      }
    } else {
      n = Math.abs(code - INT_ZERO);
    }
    need(in, pos[0], n);
    byte[] magnitude = Arrays.copyOfRange(in, pos[0], pos[0] + n);
    pos[0] += n;
    if (negative) {
      for (int i = 0; i < n; i++) {
        magnitude[i] = (byte) ~magnitude[i];
      }
    }
    BigInteger abs = new BigInteger(1, magnitude);
    return negative ? abs.negate() : abs;
  }

  private static byte[] readEscaped(byte[] in, int[] pos) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (true) {
      need(in, pos[0], 1);
      byte b = in[pos[0]++];
      if (b != 0) {
        out.write(b);
      } else if (pos[0] < in.length && in[pos[0]] == (byte) 0xff) {
        out.write(0);
        pos[0]++;
      } else {
        return out.toByteArray();
      }
    }
  }

  private static String utf8(byte[] bytes) {
    try {
      CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      return chars.toString();
    } catch (CharacterCodingException e) {
      throw KvException.invalid("key string part is not valid UTF-8");
    }
  }

  private static void need(byte[] in, int at, int count) {
    if (at + count > in.length) {
      throw KvException.invalid("truncated key encoding");
    }
  }
}
