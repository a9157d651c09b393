package dev.atomkv.client;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.StringJoiner;

/**
 * An immutable tuple key, such as {@code ["users", 42n, true]}.
 *
 * <p>Parts are normalised when the key is made, so each key has one form:
 *
 * <table>
 *   <caption>Java types accepted by {@link #of} and what {@link #parts()} holds</caption>
 *   <tr><th>given</th><th>key part</th><th>held as</th></tr>
 *   <tr><td>{@code byte[]}</td><td>bytes</td><td>{@code byte[]} (a copy)</td></tr>
 *   <tr><td>{@code String}</td><td>string</td><td>{@code String}</td></tr>
 *   <tr><td>{@code Byte, Short, Integer, Long}</td><td>integer</td><td>{@code Long}</td></tr>
 *   <tr><td>{@code BigInteger}</td><td>integer</td><td>{@code Long} inside the int64 range, else
 *       {@code BigInteger} (magnitude at most 255 bytes)</td></tr>
 *   <tr><td>{@code Float, Double}</td><td>number</td><td>{@code Double}, every NaN as the
 *       canonical NaN with its sign kept</td></tr>
 *   <tr><td>{@code Boolean}</td><td>boolean</td><td>{@code Boolean}</td></tr>
 * </table>
 *
 * <p>The integer {@code 1} and the number {@code 1.0} are different parts. Equality, hash code and
 * {@link #compareTo} follow the encoded bytes ({@link KeyCodec}), which is the server's key order:
 * bytes &lt; string &lt; integer &lt; number &lt; false &lt; true, and a key sorts before every
 * key that extends it. So {@code 0.0} and {@code -0.0} are different keys, and all NaNs of one sign
 * are the same key.
 *
 * <p>A key with no parts is allowed only as a List prefix, meaning the whole keyspace.
 */
public final class Key implements Comparable<Key> {
  private static final Key EMPTY = new Key(List.of());
  private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

  private final List<Object> parts;
  private final byte[] encoded;

  private Key(List<Object> normalisedParts) {
    this.parts = normalisedParts;
    this.encoded = KeyCodec.encodeParts(normalisedParts);
  }

  /**
   * A key of these parts, outermost first (see the class comment for the accepted types).
   *
   * @throws IllegalArgumentException for a null part, an unsupported type or an integer whose
   *     magnitude exceeds 255 bytes
   */
  public static Key of(Object... parts) {
    return parts.length == 0 ? EMPTY : ofParts(Arrays.asList(parts));
  }

  /** Same as {@link #of(Object...)}, for a list of parts. */
  public static Key ofParts(List<?> parts) {
    List<Object> normalised = new ArrayList<>(parts.size());
    for (Object part : parts) {
      normalised.add(normalise(part));
    }
    return new Key(Collections.unmodifiableList(normalised));
  }

  /** A new key: this key's parts followed by these. */
  public Key append(Object... more) {
    List<Object> all = new ArrayList<>(parts.size() + more.length);
    all.addAll(parts);
    all.addAll(Arrays.asList(more));
    return ofParts(all);
  }

  /**
   * The normalised parts. Unmodifiable; {@code byte[]} parts are copies, so changing them does not
   * change the key.
   */
  public List<Object> parts() {
    List<Object> copy = new ArrayList<>(parts.size());
    for (Object part : parts) {
      copy.add(part instanceof byte[] b ? b.clone() : part);
    }
    return Collections.unmodifiableList(copy);
  }

  /** The number of parts. */
  public int size() {
    return parts.size();
  }

  /** True when the key has no parts. */
  public boolean isEmpty() {
    return parts.isEmpty();
  }

  /** The encoded bytes; callers must not modify them. */
  byte[] encoded() {
    return encoded;
  }

  /** The raw parts list, not copied; callers must not modify the byte arrays. */
  List<Object> rawParts() {
    return parts;
  }

  /** True when this key is {@code prefix} or extends it. */
  public boolean startsWith(Key prefix) {
    return encoded.length >= prefix.encoded.length
        && Arrays.equals(encoded, 0, prefix.encoded.length, prefix.encoded, 0, prefix.encoded.length);
  }

  @Override
  public int compareTo(Key other) {
    return Arrays.compareUnsigned(encoded, other.encoded);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Key k && Arrays.equals(encoded, k.encoded);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(encoded);
  }

  /** Deno's notation: {@code ["users", 42n, 1.5, true, bytes(0107)]}. */
  @Override
  public String toString() {
    StringJoiner out = new StringJoiner(", ", "[", "]");
    for (Object part : parts) {
      out.add(partToString(part));
    }
    return out.toString();
  }

  private static String partToString(Object part) {
    if (part instanceof String s) {
      return Text.quote(s);
    }
    if (part instanceof byte[] b) {
      return "bytes(" + Text.hex(b) + ")";
    }
    if (part instanceof Long || part instanceof BigInteger) {
      return part + "n";
    }
    if (part instanceof Double d) {
      return Text.number(d);
    }
    return String.valueOf(part);
  }

  private static Object normalise(Object part) {
    if (part == null) {
      throw new IllegalArgumentException("key part must not be null");
    }
    if (part instanceof String) {
      return part;
    }
    if (part instanceof byte[] b) {
      return b.clone();
    }
    if (part instanceof Long || part instanceof Integer || part instanceof Short || part instanceof Byte) {
      return ((Number) part).longValue();
    }
    if (part instanceof BigInteger bi) {
      Object n = normaliseInteger(bi);
      if (n instanceof BigInteger big && KeyCodec.magnitudeBytes(big.abs()).length > KeyCodec.MAX_INT_MAGNITUDE_BYTES) {
        throw new IllegalArgumentException("integer key part too large (max 255 bytes of magnitude)");
      }
      return n;
    }
    if (part instanceof Double || part instanceof Float) {
      double d = ((Number) part).doubleValue();
      if (Double.isNaN(d)) {
        long sign = Double.doubleToRawLongBits(d) & Long.MIN_VALUE;
        return Double.longBitsToDouble(sign | KeyCodec.CANONICAL_NAN);
      }
      return d;
    }
    if (part instanceof Boolean) {
      return part;
    }
    throw new IllegalArgumentException(
        "unsupported key part type: " + part.getClass().getName()
            + " (use String, byte[], Integer, Long, BigInteger, Double or Boolean)");
  }

  /** An integer as {@code Long} when it fits in int64, else as {@code BigInteger}. */
  static Object normaliseInteger(BigInteger v) {
    return v.compareTo(LONG_MIN) >= 0 && v.compareTo(LONG_MAX) <= 0 ? (Object) v.longValue() : v;
  }
}
