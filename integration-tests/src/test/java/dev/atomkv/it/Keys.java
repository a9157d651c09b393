package dev.atomkv.it;

import com.google.protobuf.ByteString;
import dev.atomkv.client.Key;
import dev.atomkv.proto.v1.KeyPart;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * Test-side key helpers, written from SPEC §1.1 independently of the client's codec, so that the
 * tests do not take the order or the cursor bytes they check from the code under test.
 */
final class Keys {
  /** Unsigned byte order: the server's key order over encoded keys. */
  static final Comparator<byte[]> UNSIGNED = Arrays::compareUnsigned;

  private static final long CANONICAL_NAN = 0x7ff8000000000000L;

  private Keys() {}

  /** The FoundationDB tuple encoding of the key (SPEC §1.1). */
  static byte[] encode(Key key) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object part : key.parts()) {
      if (part instanceof byte[] b) {
        out.write(0x01);
        escaped(out, b);
      } else if (part instanceof String s) {
        out.write(0x02);
        escaped(out, s.getBytes(StandardCharsets.UTF_8));
      } else if (part instanceof Long l) {
        integer(out, BigInteger.valueOf(l));
      } else if (part instanceof BigInteger bi) {
        integer(out, bi);
      } else if (part instanceof Double d) {
        long bits = Double.doubleToRawLongBits(d);
        if (Double.isNaN(d)) {
          bits = (bits & Long.MIN_VALUE) | CANONICAL_NAN;
        }
        bits = bits < 0 ? ~bits : bits ^ Long.MIN_VALUE;
        for (int i = 7; i >= 0; i--) {
          out.write((int) (bits >>> (8 * i)) & 0xff);
        }
      } else if (part instanceof Boolean b) {
        out.write(b ? 0x27 : 0x26);
      } else {
        throw new IllegalArgumentException("unexpected part " + part);
      }
    }
    return out.toByteArray();
  }

  private static void escaped(ByteArrayOutputStream out, byte[] payload) {
    for (byte b : payload) {
      out.write(b);
      if (b == 0) {
        out.write(0xff);
      }
    }
    out.write(0x00);
  }

  private static void integer(ByteArrayOutputStream out, BigInteger v) {
    if (v.signum() == 0) {
      out.write(0x14);
      return;
    }
    byte[] mag = v.abs().toByteArray();
    if (mag[0] == 0) {
      mag = Arrays.copyOfRange(mag, 1, mag.length);
    }
    int n = mag.length;
    if (v.signum() > 0) {
      if (n <= 8) {
        out.write(0x14 + n);
      } else {
        out.write(0x1d);
        out.write(n);
      }
      out.writeBytes(mag);
    } else {
      if (n <= 8) {
        out.write(0x14 - n);
      } else {
        out.write(0x0b);
        out.write(n ^ 0xff);
      }
      for (byte b : mag) {
        out.write(~b & 0xff);
      }
    }
  }

  static int encodedLength(Key key) {
    return encode(key).length;
  }

  static String hex(Key key) {
    return HexFormat.of().formatHex(encode(key));
  }

  /** base64url with padding of {@code key} minus {@code common} (Deno's cursor format). */
  static String cursor(byte[] encodedKey, byte[] common) {
    if (encodedKey.length < common.length
        || !Arrays.equals(encodedKey, 0, common.length, common, 0, common.length)) {
      throw new IllegalArgumentException("key does not start with the common prefix");
    }
    return Base64.getUrlEncoder().encodeToString(
        Arrays.copyOfRange(encodedKey, common.length, encodedKey.length));
  }

  /**
   * A range selector's cursor base: the longest common byte prefix of start and end, one byte
   * shorter when start is a prefix of end (so the cursor of the key equal to start is not empty).
   */
  static byte[] commonPrefix(byte[] a, byte[] b) {
    int m = Arrays.mismatch(a, b);
    int length = m < 0 ? a.length : m;
    return Arrays.copyOf(a, length == a.length && length > 0 ? length - 1 : length);
  }

  static byte[] append(byte[] a, int b) {
    byte[] out = Arrays.copyOf(a, a.length + 1);
    out[a.length] = (byte) b;
    return out;
  }

  static boolean startsWith(byte[] key, byte[] prefix) {
    return key.length >= prefix.length
        && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }

  /** A string of {@code n} ASCII characters, all {@code c}. */
  static String repeat(char c, int n) {
    return String.valueOf(c).repeat(n);
  }

  /**
   * {@code ["p", s]} with ASCII s whose encoded length is exactly {@code encodedLength}:
   * 3 bytes for "p" plus 1 + |s| + 1.
   */
  static Key pString(String head, int encodedLength) {
    int n = encodedLength - 5 - head.length();
    if (n < 0) {
      throw new IllegalArgumentException("too short");
    }
    Key k = Key.of("p", head + repeat('m', n));
    if (encodedLength(k) != encodedLength) {
      throw new IllegalStateException("length arithmetic is off for " + encodedLength);
    }
    return k;
  }

  /** The client key as a wire key (for the raw stub). */
  static dev.atomkv.proto.v1.Key toProto(Key key) {
    dev.atomkv.proto.v1.Key.Builder b = dev.atomkv.proto.v1.Key.newBuilder();
    for (Object part : key.parts()) {
      KeyPart.Builder p = KeyPart.newBuilder();
      if (part instanceof byte[] bytes) {
        p.setBytes(ByteString.copyFrom(bytes));
      } else if (part instanceof String s) {
        p.setString(s);
      } else if (part instanceof Long l) {
        p.setInt(l);
      } else if (part instanceof BigInteger bi) {
        p.setBigInt(bi.toString());
      } else if (part instanceof Double d) {
        p.setNumber(d);
      } else {
        p.setBoolean((Boolean) part);
      }
      b.addParts(p);
    }
    return b.build();
  }

  /** A wire key (as the server returns it) as a client key. */
  static Key fromProto(dev.atomkv.proto.v1.Key key) {
    List<Object> parts = new ArrayList<>();
    for (KeyPart p : key.getPartsList()) {
      parts.add(switch (p.getKindCase()) {
        case BYTES -> p.getBytes().toByteArray();
        case STRING -> p.getString();
        case INT -> p.getInt();
        case BIG_INT -> new BigInteger(p.getBigInt());
        case NUMBER -> p.getNumber();
        case BOOLEAN -> p.getBoolean();
        case KIND_NOT_SET -> throw new AssertionError("server sent a key part with no kind: " + key);
      });
    }
    return Key.ofParts(parts);
  }
}
