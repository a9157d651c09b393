package dev.atomkv.server.model;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A value with its kind. The payload is what is stored: raw bytes, UTF-8 text, 8 big-endian bytes
 * for u64, the serialised JSON document for json. Its length is the value's counted size
 * (SPEC §1.2), so limits never need to know the kind.
 */
public record Value(ValueKind kind, byte[] payload) {

  public static Value u64(long v) {
    return new Value(ValueKind.U64, ByteBuffer.allocate(8).putLong(v).array());
  }

  public static Value string(String s) {
    return new Value(ValueKind.STRING, s.getBytes(StandardCharsets.UTF_8));
  }

  public static Value bytes(byte[] b) {
    return new Value(ValueKind.BYTES, b);
  }

  public long asU64() {
    if (kind != ValueKind.U64) {
      throw new IllegalStateException("not a u64 value: " + kind);
    }
    return ByteBuffer.wrap(payload).getLong();
  }

  public int countedSize() {
    return payload.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Value v && kind == v.kind && Arrays.equals(payload, v.payload);
  }

  @Override
  public int hashCode() {
    return kind.hashCode() * 31 + Arrays.hashCode(payload);
  }

  @Override
  public String toString() {
    return "Value[" + kind + ", " + payload.length + " bytes]";
  }
}
