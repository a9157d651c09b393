package dev.atomkv.server.lmdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.atomkv.server.engine.EngineOptions;
import dev.atomkv.server.engine.ListPage;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.engine.SyncMode;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.Check;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.MutationKind;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.ValueKind;
import dev.atomkv.server.model.Versionstamp;
import dev.atomkv.server.testing.Seeds;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random atomic writes and range reads against a TreeMap model, with keys around LMDB's 511-byte
 * limit and many long keys sharing a prefix. Requests are submitted in bursts so that they share
 * batches; the model applies them in submission order, which is the writer's order.
 */
class LmdbEngineRandomizedTest {
  private static final byte[] EDGE_BYTES = {0x00, 0x01, 0x7f, (byte) 0x80, (byte) 0xfe, (byte) 0xff};
  private static final ToLongFunction<StoredEntry> SIZER =
      e -> e.key().length + e.value().payload().length;

  @TempDir Path dir;

  private final NavigableMap<byte[], StoredEntry> model = new TreeMap<>(Arrays::compareUnsigned);

  @Test
  void matchesASortedMapModel() throws Exception {
    long seed = Seeds.seed("LmdbEngineRandomizedTest");
    Random rnd = new Random(seed);
    List<byte[]> pool = keyPool(rnd);
    // Small batches so that a burst spans several of them.
    EngineOptions options = EngineOptions.builder(dir).mapSizeBytes(256L << 20)
        .syncMode(SyncMode.NONE).maxBatchRequests(16).sweepIntervalMs(3_600_000).build();
    LmdbEngine engine = LmdbEngine.open(options);
    try {
      for (int round = 0; round < 30; round++) {
        if (round == 15) {
          engine.close();
          engine = LmdbEngine.open(options);
        }
        writeBurst(engine, rnd, pool, "seed " + seed + " round " + round);
        for (int q = 0; q < 40; q++) {
          checkList(engine, rnd, pool, "seed " + seed + " round " + round + " query " + q);
        }
        checkGets(engine, pool, "seed " + seed + " round " + round);
      }
    } finally {
      engine.close();
    }
  }

  private void writeBurst(LmdbEngine engine, Random rnd, List<byte[]> pool, String where)
      throws Exception {
    List<AtomicWrite> writes = new ArrayList<>();
    List<CompletableFuture<CommitResult>> futures = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      AtomicWrite w = randomWrite(rnd, pool);
      writes.add(w);
      futures.add(engine.commit(w));
    }
    for (int i = 0; i < writes.size(); i++) {
      String at = where + " write " + i;
      CommitResult result;
      try {
        result = futures.get(i).get(10, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        KvException kv = assertInstanceOf(KvException.class, e.getCause(), at);
        assertEquals(ErrorKind.FAILED_PRECONDITION, kv.kind(), at);
        assertTrue(applyToModel(writes.get(i), null) == Outcome.TYPE_ERROR, at + ": " + kv);
        continue;
      }
      if (!result.ok()) {
        assertEquals(Outcome.CHECK_FAILED, applyToModel(writes.get(i), null), at);
        continue;
      }
      assertEquals(Outcome.COMMITTED, applyToModel(writes.get(i), result.versionstamp()), at);
    }
  }

  private AtomicWrite randomWrite(Random rnd, List<byte[]> pool) {
    List<Check> checks = new ArrayList<>();
    if (rnd.nextInt(8) == 0) {
      checks.add(Check.absent(pick(rnd, pool)));
    }
    List<Mutation> mutations = new ArrayList<>();
    int n = 1 + rnd.nextInt(4);
    for (int i = 0; i < n; i++) {
      byte[] key = pick(rnd, pool);
      int op = rnd.nextInt(20);
      if (op < 8) {
        byte[] payload = new byte[rnd.nextInt(40)];
        rnd.nextBytes(payload);
        mutations.add(Mutation.set(key, Value.bytes(payload)));
      } else if (op < 11) {
        mutations.add(Mutation.set(key, Value.u64(rnd.nextBoolean() ? rnd.nextInt(100) : rnd.nextLong())));
      } else if (op < 16) {
        mutations.add(Mutation.delete(key));
      } else {
        MutationKind kind = List.of(MutationKind.SUM, MutationKind.SUM, MutationKind.MIN,
            MutationKind.MAX).get(op - 16);
        mutations.add(Mutation.arithmetic(key, kind, rnd.nextBoolean() ? rnd.nextInt(10) : rnd.nextLong()));
      }
    }
    return new AtomicWrite(checks, mutations);
  }

  private enum Outcome { COMMITTED, CHECK_FAILED, TYPE_ERROR }

  /** Applies the write to the model when it commits there; vs is null when only predicting. */
  private Outcome applyToModel(AtomicWrite w, Versionstamp vs) {
    for (Check c : w.checks()) {
      if (!c.holds(model.containsKey(c.key()) ? model.get(c.key()).versionstamp() : null,
          model.containsKey(c.key()) ? model.get(c.key()).value() : null)) {
        return Outcome.CHECK_FAILED;
      }
    }
    NavigableMap<byte[], StoredEntry> next = new TreeMap<>(model);
    for (Mutation m : w.mutations()) {
      StoredEntry current = next.get(m.key());
      switch (m.kind()) {
        case SET -> next.put(m.key(), new StoredEntry(m.key(), m.value(), vs, 0));
        case DELETE -> next.remove(m.key());
        default -> {
          if (current != null && current.value().kind() != ValueKind.U64) {
            return Outcome.TYPE_ERROR;
          }
          long operand = m.value().asU64();
          long result = operand;
          if (current != null) {
            long stored = current.value().asU64();
            result = switch (m.kind()) {
              case SUM -> stored + operand;
              case MIN -> Long.compareUnsigned(stored, operand) <= 0 ? stored : operand;
              default -> Long.compareUnsigned(stored, operand) >= 0 ? stored : operand;
            };
          }
          next.put(m.key(), new StoredEntry(m.key(), Value.u64(result), vs, 0));
        }
      }
    }
    if (vs != null) {
      model.clear();
      model.putAll(next);
    }
    return Outcome.COMMITTED;
  }

  private void checkList(LmdbEngine engine, Random rnd, List<byte[]> pool, String where) {
    byte[] a = randomBound(rnd, pool);
    byte[] b = randomBound(rnd, pool);
    byte[] start = Arrays.compareUnsigned(a, b) <= 0 ? a : b;
    byte[] end = start == a ? b : a;
    boolean reverse = rnd.nextBoolean();
    int limit = 1 + rnd.nextInt(rnd.nextBoolean() ? 5 : 60);
    long maxBytes = rnd.nextBoolean() ? Long.MAX_VALUE : rnd.nextInt(6000);
    String at = where + " [" + hex(start) + ", " + hex(end) + ") reverse=" + reverse + " limit="
        + limit + " maxBytes=" + maxBytes;

    List<StoredEntry> range = new ArrayList<>(Arrays.compareUnsigned(start, end) < 0
        ? model.subMap(start, true, end, false).values() : List.of());
    if (reverse) {
      Collections.reverse(range);
    }
    int take = 0;
    long bytes = 0;
    while (take < range.size() && take < limit) {
      long size = SIZER.applyAsLong(range.get(take));
      if (take > 0 && bytes + size > maxBytes) {
        break;
      }
      bytes += size;
      take++;
    }

    ListPage page = engine.list(start, end, reverse, limit, maxBytes, SIZER);
    assertEquals(take, page.entries().size(), at);
    for (int i = 0; i < take; i++) {
      assertSame(range.get(i), page.entries().get(i), at + " entry " + i);
    }
    assertEquals(take < range.size(), page.more(), at + " more");

    // Resuming after each page's last key visits the whole range exactly once.
    List<StoredEntry> all = new ArrayList<>();
    byte[] s = start;
    byte[] e = end;
    for (int pages = 0; ; pages++) {
      if (pages > range.size() + 1) {
        fail(at + ": paging does not terminate");
      }
      ListPage p = engine.list(s, e, reverse, limit, maxBytes, SIZER);
      all.addAll(p.entries());
      if (!p.more()) {
        break;
      }
      byte[] last = p.entries().get(p.entries().size() - 1).key();
      if (reverse) {
        e = last;
      } else {
        s = Arrays.copyOf(last, last.length + 1);
      }
    }
    assertEquals(range.size(), all.size(), at + " paged");
    for (int i = 0; i < range.size(); i++) {
      assertSame(range.get(i), all.get(i), at + " paged entry " + i);
    }
  }

  private void checkGets(LmdbEngine engine, List<byte[]> pool, String where) {
    List<StoredEntry> got = engine.get(pool);
    for (int i = 0; i < pool.size(); i++) {
      StoredEntry want = model.get(pool.get(i));
      if (want == null) {
        assertNull(got.get(i), where + " get " + hex(pool.get(i)));
      } else {
        assertSame(want, got.get(i), where + " get " + hex(pool.get(i)));
      }
    }
  }

  private static void assertSame(StoredEntry want, StoredEntry got, String at) {
    assertArrayEquals(want.key(), got.key(), at);
    assertEquals(want.value(), got.value(), at);
    assertEquals(want.versionstamp(), got.versionstamp(), at);
    assertEquals(0, got.expiresAtMs(), at);
  }

  /**
   * Short keys, keys of exactly 510, 511, 512 and 2048 bytes, and many keys sharing a 600-byte
   * prefix that differ right at, before and after LongKeyTable's segment boundaries.
   */
  private static List<byte[]> keyPool(Random rnd) {
    Map<String, byte[]> keys = new TreeMap<>();
    for (int i = 0; i < 30; i++) {
      add(keys, LmdbEngineTest.key("k", i));
    }
    for (int len : new int[] {1, 2, 499, 500, 501, 510, 511, 512, 1000, 1001, 2048}) {
      for (int v = 0; v < 3; v++) {
        add(keys, randomKey(rnd, len));
      }
    }
    byte[] prefix = randomKey(rnd, 600);
    add(keys, prefix);
    for (int i = 0; i < 40; i++) {
      int len = 601 + rnd.nextInt(rnd.nextBoolean() ? 10 : 1448);
      byte[] k = Arrays.copyOf(prefix, len);
      for (int j = 600; j < len; j++) {
        k[j] = EDGE_BYTES[rnd.nextInt(EDGE_BYTES.length)];
      }
      add(keys, k);
    }
    for (int cut : new int[] {499, 500, 501, 599}) {
      // Same first `cut` bytes as the shared prefix, then a different byte.
      for (int v = 0; v < 2; v++) {
        byte[] k = Arrays.copyOf(prefix, cut + 1 + rnd.nextInt(700));
        k[cut] = EDGE_BYTES[rnd.nextInt(EDGE_BYTES.length)];
        add(keys, k);
      }
    }
    return new ArrayList<>(keys.values());
  }

  private static byte[] randomKey(Random rnd, int len) {
    byte[] k = new byte[len];
    k[0] = 0x02;
    for (int i = 1; i < len; i++) {
      // Few distinct bytes make shared prefixes and 0x00/0xFF neighbours likely.
      k[i] = rnd.nextInt(4) == 0 ? EDGE_BYTES[rnd.nextInt(EDGE_BYTES.length)] : (byte) 'a';
    }
    return k;
  }

  private static void add(Map<String, byte[]> keys, byte[] key) {
    keys.put(HexFormat.of().formatHex(key), key);
  }

  private static byte[] randomBound(Random rnd, List<byte[]> pool) {
    byte[] k = pick(rnd, pool);
    return switch (rnd.nextInt(7)) {
      case 0 -> new byte[0];
      case 1 -> new byte[] {(byte) 0xff};
      case 2 -> Arrays.copyOf(k, k.length + 1); // immediate successor
      case 3 -> {
        byte[] b = Arrays.copyOf(k, k.length + 1);
        b[k.length] = (byte) 0xff;
        yield b;
      }
      case 4 -> Arrays.copyOf(k, rnd.nextInt(k.length + 1)); // a prefix, maybe mid-segment
      default -> k;
    };
  }

  private static byte[] pick(Random rnd, List<byte[]> pool) {
    return pool.get(rnd.nextInt(pool.size()));
  }

  private static String hex(byte[] b) {
    String h = HexFormat.of().formatHex(b);
    return h.length() <= 40 ? h : h.substring(0, 40) + "…(" + b.length + " bytes)";
  }
}
