package dev.atomkv.bench.core;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

/**
 * The data both systems get, from one seed: {@link #KEYS} random 16-byte keys for Atomic/Txn and
 * Get/Range, and {@link #LIST_GROUPS} groups of {@link #LIST_GROUP_SIZE} keys for List/prefix
 * Range. Values are {@link #VALUE_BYTES} bytes: key index, write sequence number, then filler, so
 * a value read back names the write that produced it.
 */
public final class Dataset {
  public static final int KEYS = 100_000;
  public static final int VALUE_BYTES = 100;
  public static final int LIST_GROUPS = 1_000;
  public static final int LIST_GROUP_SIZE = 100;
  public static final long SEED = 20261122L;

  private Dataset() {}

  /** The 16-byte keys, distinct, in a fixed order. */
  public static byte[][] keys() {
    Random rnd = new Random(SEED);
    byte[][] keys = new byte[KEYS][];
    Set<ByteBuffer> seen = new HashSet<>();
    for (int i = 0; i < KEYS; ) {
      byte[] k = new byte[16];
      rnd.nextBytes(k);
      if (seen.add(ByteBuffer.wrap(k))) {
        keys[i++] = k;
      }
    }
    return keys;
  }

  /** The value written by write number {@code seq} to key {@code index}. */
  public static byte[] value(int index, long seq) {
    byte[] v = new byte[VALUE_BYTES];
    ByteBuffer b = ByteBuffer.wrap(v);
    b.putLong(index).putLong(seq);
    for (int i = 16; i < VALUE_BYTES; i++) {
      v[i] = (byte) ('a' + (i % 26));
    }
    return v;
  }

  /**
   * Key indexes in unsigned byte order of the keys: preloading in key order appends to the
   * B-trees instead of dirtying a random leaf page per key.
   */
  public static int[] sortedOrder(byte[][] keys) {
    return java.util.stream.IntStream.range(0, keys.length).boxed()
        .sorted((a, b) -> java.util.Arrays.compareUnsigned(keys[a], keys[b]))
        .mapToInt(Integer::intValue).toArray();
  }

  /** The write sequence number a value carries. */
  public static long seqOf(byte[] value) {
    return value.length < 16 ? -1 : ByteBuffer.wrap(value).getLong(8);
  }

  /** The key index a value carries. */
  public static long indexOf(byte[] value) {
    return value.length < 16 ? -1 : ByteBuffer.wrap(value).getLong(0);
  }
}
