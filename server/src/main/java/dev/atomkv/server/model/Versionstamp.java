package dev.atomkv.server.model;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * FoundationDB's 10-byte versionstamp: the 8-byte commit version of a batch, then the 2-byte
 * position of the request within that batch. Byte order, numeric order and time order agree.
 */
public record Versionstamp(long commitVersion, int position) implements Comparable<Versionstamp> {
  public static final int LENGTH = 10;
  /** Positions are two bytes: a batch holds at most this many committed requests. */
  public static final int MAX_POSITIONS = 65536;

  public Versionstamp {
    if (position < 0 || position >= MAX_POSITIONS) {
      throw new IllegalArgumentException("position out of range: " + position);
    }
  }

  public byte[] toBytes() {
    return ByteBuffer.allocate(LENGTH).putLong(commitVersion).putShort((short) position).array();
  }

  public static Versionstamp fromBytes(byte[] bytes) {
    if (bytes.length != LENGTH) {
      throw KvException.invalid("Invalid versionstamp");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    return new Versionstamp(b.getLong(), Short.toUnsignedInt(b.getShort()));
  }

  @Override
  public int compareTo(Versionstamp o) {
    int c = Long.compareUnsigned(commitVersion, o.commitVersion);
    return c != 0 ? c : Integer.compare(position, o.position);
  }

  /** 20 lowercase hex characters, as people see versionstamps. */
  @Override
  public String toString() {
    return HexFormat.of().formatHex(toBytes());
  }
}
