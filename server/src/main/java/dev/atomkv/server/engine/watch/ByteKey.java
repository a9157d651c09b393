package dev.atomkv.server.engine.watch;

import java.util.Arrays;

/** An encoded key as a hash-map key (arrays compare by identity). */
record ByteKey(byte[] bytes) {
  @Override
  public boolean equals(Object o) {
    return o instanceof ByteKey other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "ByteKey[" + bytes.length + " bytes]";
  }
}
