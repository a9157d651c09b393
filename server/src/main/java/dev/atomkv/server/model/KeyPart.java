package dev.atomkv.server.model;

import java.math.BigInteger;
import java.util.Arrays;

/**
 * One part of a tuple key. Kinds order as bytes &lt; string &lt; integer &lt; number &lt; false &lt; true;
 * {@link KeyCodec} encodes them so that unsigned byte order of the encoding is this order.
 */
public sealed interface KeyPart {

  /** Raw bytes. */
  record Bytes(byte[] value) implements KeyPart {
    public Bytes {
      value = value.clone();
    }

    @Override
    public byte[] value() {
      return value.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Bytes b && Arrays.equals(value, b.value);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(value);
    }

    @Override
    public String toString() {
      return "Bytes" + Arrays.toString(value);
    }
  }

  /** UTF-8 text. */
  record Text(String value) implements KeyPart {}

  /** An arbitrary-precision integer (Deno's bigint); magnitude at most 255 bytes. */
  record Int(BigInteger value) implements KeyPart {
    public static Int of(long v) {
      return new Int(BigInteger.valueOf(v));
    }
  }

  /** An IEEE-754 double. Every NaN is the same key part (the canonical NaN, sign kept). */
  record Number(double value) implements KeyPart {}

  /** A boolean; false sorts before true. */
  record Bool(boolean value) implements KeyPart {}
}
