package dev.atomkv.bench.atomkv;

import dev.atomkv.bench.core.Dataset;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.HdrHistogram.Histogram;
import org.lmdbjava.ByteArrayProxy;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.Txn;

/**
 * Not part of {@code make bench}: what one synced LMDB commit of N random puts costs the writing
 * thread (CPU, user + kernel) and the wall clock, with the server's env flags and with
 * MDB_WRITEMAP, on the 100k-key table. Evidence for where the Atomic writer's time goes.
 *
 * <pre>java -cp ... dev.atomkv.bench.atomkv.LmdbBatchExperiment DIR [seconds]</pre>
 */
public final class LmdbBatchExperiment {
  private LmdbBatchExperiment() {}

  public static void main(String[] args) throws Exception {
    Path base = Path.of(args[0]);
    long secs = args.length > 1 ? Long.parseLong(args[1]) : 4;
    byte[][] raw = Dataset.keys();
    byte[][] keys = new byte[raw.length][];
    for (int i = 0; i < raw.length; i++) {
      keys[i] = new byte[18];
      keys[i][0] = 0x01;
      System.arraycopy(raw[i], 0, keys[i], 1, 16);
    }
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    // {writemap, children}: LMDB refuses child transactions under MDB_WRITEMAP.
    for (boolean[] variant : new boolean[][] {{false, true}, {false, false}, {true, false}}) {
      boolean writemap = variant[0];
      boolean children = variant[1];
      Path dir = base.resolve((writemap ? "writemap" : "default") + (children ? "-children" : ""));
      Files.createDirectories(dir);
      EnvFlags[] flags = writemap ? new EnvFlags[] {EnvFlags.MDB_NOTLS, EnvFlags.MDB_WRITEMAP}
          : new EnvFlags[] {EnvFlags.MDB_NOTLS};
      try (Env<byte[]> env = Env.create(ByteArrayProxy.PROXY_BA).setMapSize(64L << 30)
          .setMaxDbs(2).open(dir.toFile(), flags)) {
        Dbi<byte[]> db = env.openDbi("data", DbiFlags.MDB_CREATE);
        byte[] v = new byte[120];
        try (Txn<byte[]> txn = env.txnWrite()) {
          for (int i : Dataset.sortedOrder(raw)) {
            db.put(txn, keys[i], v);
          }
          txn.commit();
        }
        for (int puts : new int[] {1, 28, 82}) {
          for (int pass = 0; pass < 2; pass++) { // first pass warms up
            Histogram h = new Histogram(3_600_000_000L, 3);
            long cpu0 = mx.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            long end = t0 + secs * 1_000_000_000L;
            long txns = 0;
            while (System.nanoTime() < end) {
              long s = System.nanoTime();
              try (Txn<byte[]> txn = env.txnWrite()) {
                for (int p = 0; p < puts; p++) {
                  int k = ThreadLocalRandom.current().nextInt(keys.length);
                  if (children) {
                    // like the server: each request in its own child transaction
                    try (Txn<byte[]> child = env.txn(txn)) {
                      db.get(child, keys[k]);
                      db.put(child, keys[k], v);
                      child.commit();
                    }
                  } else {
                    db.get(txn, keys[k]);
                    db.put(txn, keys[k], v);
                  }
                }
                txn.commit();
              }
              h.recordValue(System.nanoTime() - s);
              txns++;
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            double cpuMs = (mx.getCurrentThreadCpuTime() - cpu0) / 1e6;
            if (pass == 1) {
              System.out.printf(Locale.ROOT, "%-8s %-11s puts/txn %3d: %7.0f txn/s %8.0f puts/s  "
                      + "commit p50 %.3f ms  thread CPU %.3f ms/txn (%.1f us/put)%n",
                  writemap ? "WRITEMAP" : "default", children ? "child txns" : "no children", puts, txns / wall, txns * puts / wall,
                  h.getValueAtPercentile(50) / 1e6, cpuMs / txns, cpuMs * 1000 / txns / puts);
            }
          }
        }
      }
    }
  }
}
