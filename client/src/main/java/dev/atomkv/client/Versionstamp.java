package dev.atomkv.client;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * The 10-byte stamp of a commit: an 8-byte big-endian commit version followed by a 2-byte
 * big-endian position within the commit batch (FoundationDB's layout). Every key a commit writes
 * carries its versionstamp. Versionstamps of later commits are greater; they order as unsigned
 * bytes. People see them as 20 lowercase hex characters ({@link #toString()}).
 */
public final class Versionstamp implements Comparable<Versionstamp> {
  /** The length in bytes. */
  public static final int LENGTH = 10;
  private static final HexFormat HEX = HexFormat.of();

  private final byte[] bytes;

  private Versionstamp(byte[] bytes) {
    this.bytes = bytes;
  }

  /**
   * A versionstamp from its 10 bytes (copied).
   *
   * @throws IllegalArgumentException unless exactly 10 bytes are given
   */
  public static Versionstamp fromBytes(byte[] bytes) {
    if (bytes.length != LENGTH) {
      throw new IllegalArgumentException("versionstamp must be 10 bytes, got " + bytes.length);
    }
    return new Versionstamp(bytes.clone());
  }

  /**
   * A versionstamp from 20 hex characters (either case).
   *
   * @throws IllegalArgumentException if the text is not 20 hex characters
   */
  public static Versionstamp parse(String hex) {
    if (hex.length() != 2 * LENGTH) {
      throw new IllegalArgumentException("versionstamp must be 20 hex characters: \"" + hex + "\"");
    }
    try {
      return new Versionstamp(HEX.parseHex(hex));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("versionstamp must be 20 hex characters: \"" + hex + "\"", e);
    }
  }

  /**
   * A versionstamp from its commit version and position.
   *
   * @param position 0..65535
   */
  public static Versionstamp of(long commitVersion, int position) {
    if (position < 0 || position > 0xffff) {
      throw new IllegalArgumentException("position must be in 0..65535, got " + position);
    }
    byte[] b = new byte[LENGTH];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (commitVersion >>> (56 - 8 * i));
    }
    b[8] = (byte) (position >>> 8);
    b[9] = (byte) position;
    return new Versionstamp(b);
  }

  /** The 10 bytes (a fresh copy). */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /**
   * The commit version: the first 8 bytes, big-endian. The server issues Unix time in microseconds
   * (or one more than the previous version, if greater), so read it as unsigned.
   */
  public long commitVersion() {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (bytes[i] & 0xff);
    }
    return v;
  }

  /** The position of the request within its commit batch, 0..65535. */
  public int position() {
    return ((bytes[8] & 0xff) << 8) | (bytes[9] & 0xff);
  }

  @Override
  public int compareTo(Versionstamp other) {
    return Arrays.compareUnsigned(bytes, other.bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Versionstamp v && Arrays.equals(bytes, v.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** 20 lowercase hex characters, as Deno prints versionstamps. */
  @Override
  public String toString() {
    return HEX.formatHex(bytes);
  }
}
