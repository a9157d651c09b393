package dev.atomkv.bench.atomkv;

import dev.atomkv.bench.core.Dataset;
import dev.atomkv.bench.core.Result;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.lmdbjava.ByteArrayProxy;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.Txn;

/**
 * The engine's floor under Atomic, without gRPC: LMDB write transactions of N puts of a 100-byte
 * value under random ones of 100k 16-byte keys, each committed fully synced (the server's FULL
 * mode: same env flags, no MDB_NOSYNC/NOMETASYNC), on the same file system as the server's data,
 * one thread. The table is preloaded with the 100k keys so the B-tree has the server's depth.
 *
 * <p>N = 1 is the floor under a single-client Atomic. N = 64 is what the writer must do for one
 * full batch at 64 in flight (the largest batch 64 callers can form): per request a read of the
 * key (the versionstamp check) and a put in a child transaction, then one synced commit. Its
 * puts/s bound Atomic's throughput at 64 in flight from above, whatever the server around it does.
 */
final class LmdbPutBench {
  private final Env<byte[]> env;
  private final Dbi<byte[]> db;
  private final byte[][] keys;

  LmdbPutBench(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    env = Env.create(ByteArrayProxy.PROXY_BA).setMapSize(1L << 30).setMaxDbs(2)
        .open(dir.toFile(), EnvFlags.MDB_NOTLS);
    db = env.openDbi("data", DbiFlags.MDB_CREATE);
    byte[][] raw = Dataset.keys();
    keys = new byte[raw.length][];
    for (int i = 0; i < raw.length; i++) {
      // Roughly the server's encoded key: tuple bytes marker, the 16 bytes, terminator.
      byte[] k = new byte[18];
      k[0] = 0x01;
      System.arraycopy(raw[i], 0, k, 1, 16);
      keys[i] = k;
    }
    try (Txn<byte[]> txn = env.txnWrite()) {
      for (int i = 0; i < keys.length; i++) {
        db.put(txn, keys[i], record(i, 0));
      }
      txn.commit();
    }
  }

  /** A value about the size of the server's record: 100 bytes plus a 20-byte header. */
  private static byte[] record(int i, long seq) {
    byte[] v = new byte[120];
    System.arraycopy(Dataset.value(i, seq), 0, v, 20, Dataset.VALUE_BYTES);
    return v;
  }

  /** Runs transactions of {@code putsPerTxn} puts; ok/s counts puts, latencies are per commit. */
  Result run(long warmupMs, long measureMs, int putsPerTxn) {
    Histogram h = new Histogram(3_600_000_000L, 3);
    long start = System.nanoTime();
    long windowStart = start + TimeUnit.MILLISECONDS.toNanos(warmupMs);
    long windowEnd = windowStart + TimeUnit.MILLISECONDS.toNanos(measureMs);
    long seq = 0;
    long count = 0;
    while (true) {
      long t0 = System.nanoTime();
      try (Txn<byte[]> txn = env.txnWrite()) {
        if (putsPerTxn == 1) {
          int k = ThreadLocalRandom.current().nextInt(keys.length);
          db.put(txn, keys[k], record(k, ++seq));
        } else {
          for (int i = 0; i < putsPerTxn; i++) {
            int k = ThreadLocalRandom.current().nextInt(keys.length);
            db.get(txn, keys[k]);
            try (Txn<byte[]> child = env.txn(txn)) {
              db.put(child, keys[k], record(k, ++seq));
              child.commit();
            }
          }
        }
        txn.commit();
      }
      long t1 = System.nanoTime();
      if (t1 > windowEnd) {
        break;
      }
      if (t1 >= windowStart) {
        h.recordValue(t1 - t0);
        count += putsPerTxn;
      }
    }
    double secs = measureMs / 1000.0;
    Result r = new Result("lmdb", "put_synced", putsPerTxn);
    r.put("puts_per_txn", putsPerTxn);
    r.put("secs", secs);
    r.put("ok", count);
    r.put("not_ok", 0);
    r.put("errors", 0);
    r.put("ops_per_s", count / secs);
    r.put("p50_us", h.getValueAtPercentile(50) / 1000.0);
    r.put("p99_us", h.getValueAtPercentile(99) / 1000.0);
    r.put("p999_us", h.getValueAtPercentile(99.9) / 1000.0);
    r.put("max_us", h.getMaxValue() / 1000.0);
    r.put("mean_us", h.getMean() / 1000.0);
    return r;
  }
}
