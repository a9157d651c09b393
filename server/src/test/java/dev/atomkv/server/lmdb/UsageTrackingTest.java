package dev.atomkv.server.lmdb;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.atomkv.server.engine.EngineOptions;
import dev.atomkv.server.engine.ListPage;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.engine.SyncMode;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.Key;
import dev.atomkv.server.model.KeyCodec;
import dev.atomkv.server.model.KeyPart;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.tenant.TenantKeys;
import dev.atomkv.server.model.tenant.Usage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmdbjava.ByteArrayProxy;
import org.lmdbjava.Dbi;
import org.lmdbjava.Env;
import org.lmdbjava.Txn;

/**
 * The usage table: kept exact by every write, and counted once from the data when a store written
 * before it existed is first opened by a build that tracks it.
 */
class UsageTrackingTest {
  @TempDir Path dir;

  @Test
  void usageFollowsRandomWritesAndIsRebuiltForAStoreThatNeverTrackedIt() throws Exception {
    long seed = Long.getLong("usage.seed", System.nanoTime());
    System.out.println("UsageTrackingTest seed=" + seed + " (-Dusage.seed=" + seed + ")");
    Random random = new Random(seed);
    Path data = dir.resolve("data");
    byte[] tenantPrefix = TenantKeys.dataPrefix("t1");
    try (LmdbEngine engine = open(data)) {
      for (int i = 0; i < 500; i++) {
        byte[] key = key("k" + random.nextInt(80));
        if (random.nextBoolean()) {
          key = concat(tenantPrefix, key);
        }
        Mutation m = random.nextInt(4) == 0 ? Mutation.delete(key)
            : Mutation.set(key, Value.bytes(new byte[random.nextInt(200)]));
        engine.commit(new AtomicWrite(List.of(), List.of(m))).get();
      }
      assertEquals(scan(engine, new byte[] {0x00}, new byte[] {(byte) 0xFF}, 0),
          engine.usage(TenantKeys.DEFAULT), "default, seed " + seed);
      assertEquals(scan(engine, tenantPrefix, TenantKeys.dataEnd("t1"), tenantPrefix.length),
          engine.usage("t1"), "t1, seed " + seed);
    }
    Usage defaultBefore;
    Usage tenantBefore;
    try (LmdbEngine engine = open(data)) {
      defaultBefore = engine.usage(TenantKeys.DEFAULT);
      tenantBefore = engine.usage("t1");
    }
    forgetUsage(data);
    try (LmdbEngine engine = open(data)) {
      assertEquals(defaultBefore, engine.usage(TenantKeys.DEFAULT));
      assertEquals(tenantBefore, engine.usage("t1"));
    }
  }

  /** Makes the store look as one written before usage was tracked. */
  private static void forgetUsage(Path data) {
    try (Env<byte[]> env = Env.create(ByteArrayProxy.PROXY_BA).setMaxDbs(Store.MAX_DBS)
        .setMapSize(64L << 20).open(data.toFile())) {
      Dbi<byte[]> meta = env.openDbi("meta");
      Dbi<byte[]> usage = env.openDbi("usage");
      try (Txn<byte[]> txn = env.txnWrite()) {
        meta.delete(txn, "usage_tracked".getBytes(StandardCharsets.US_ASCII));
        usage.drop(txn);
        txn.commit();
      }
    }
  }

  private static Usage scan(LmdbEngine engine, byte[] start, byte[] end, int prefix) {
    Usage u = Usage.NONE;
    byte[] from = start;
    while (true) {
      ListPage page = engine.list(from, end, false, 1000, Long.MAX_VALUE, e -> 0);
      for (StoredEntry e : page.entries()) {
        u = u.plus(e.key().length - prefix + e.value().payload().length, 1);
      }
      if (!page.more()) {
        return u;
      }
      byte[] last = page.entries().get(page.entries().size() - 1).key();
      from = java.util.Arrays.copyOf(last, last.length + 1);
    }
  }

  private static LmdbEngine open(Path data) {
    return LmdbEngine.open(EngineOptions.builder(data).mapSizeBytes(64L << 20)
        .syncMode(SyncMode.FULL).sweepIntervalMs(3_600_000).build());
  }

  private static byte[] key(String name) {
    return KeyCodec.encode(new Key(new ArrayList<>(List.of(new KeyPart.Text(name)))));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
