package dev.atomkv.it;

import static dev.atomkv.it.Wire.atomic;
import static dev.atomkv.it.Wire.checkAbsent;
import static dev.atomkv.it.Wire.checkVersionstamp;
import static dev.atomkv.it.Wire.commitOk;
import static dev.atomkv.it.Wire.key;
import static dev.atomkv.it.Wire.set;
import static dev.atomkv.it.Wire.setExpiring;
import static dev.atomkv.it.Wire.stringValue;
import static dev.atomkv.it.Wire.u64Value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvValue;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.KvServiceGrpc.KvServiceBlockingStub;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SPEC §3.4: expiry is exact for readers and writers; the sweeper deletes in commits of its own. */
class ExpiryIT {
  @TempDir Path dir;
  RunningServer server; // --sweep-interval-ms=50 (RunningServer's default flags)
  KvClient kv;
  KvServiceBlockingStub stub;

  @BeforeEach
  void start() throws Exception {
    server = RunningServer.start(dir);
    kv = server.client();
    stub = server.stub();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void expiresAtIsTheReceiptTimePlusExpireIn() {
    long before = System.currentTimeMillis();
    ByteString v = commitOk(stub, atomic(setExpiring(key("e"), stringValue("v"), 60_000)));
    long after = System.currentTimeMillis();
    Entry got = Wire.get(stub, key("e"));
    assertEquals(v, got.getVersionstamp());
    assertTrue(got.getExpiresAtMs() >= before + 60_000 && got.getExpiresAtMs() <= after + 60_000,
        "expires_at_ms " + got.getExpiresAtMs() + " not in [" + (before + 60_000) + ", " + (after + 60_000) + "]");
    assertEquals(got.getExpiresAtMs(), Wire.list(stub, Wire.key()).get(0).getExpiresAtMs());

    // The client shows it as an Instant; a key without expiry has none (0 on the wire).
    KvEntry e = kv.get(Key.of("e"));
    assertEquals(Instant.ofEpochMilli(got.getExpiresAtMs()), e.expiresAt());
    kv.set(Key.of("forever"), KvValue.of("v"));
    assertEquals(null, kv.get(Key.of("forever")).expiresAt());
    assertEquals(0, Wire.get(stub, key("forever")).getExpiresAtMs());
  }

  @Test
  void anExpiredKeyIsInvisibleToGetListChecksAndSumFromTheMomentItExpires() {
    dev.atomkv.proto.v1.Key getKey = key("get");
    dev.atomkv.proto.v1.Key listKey = key("list", "a");
    dev.atomkv.proto.v1.Key checkKey = key("check");
    dev.atomkv.proto.v1.Key sumKey = key("sum");
    ByteString v = commitOk(stub, atomic(
        setExpiring(getKey, stringValue("g"), 1_000),
        setExpiring(listKey, stringValue("l"), 1_000),
        setExpiring(checkKey, stringValue("c"), 1_000),
        setExpiring(sumKey, u64Value(100), 1_000),
        set(key("list", "b"), stringValue("stays"))));
    long expiresAt = Wire.get(stub, getKey).getExpiresAtMs();
    assertEquals(expiresAt, Wire.get(stub, sumKey).getExpiresAtMs());

    // Before expiry, a check that the key is absent fails (and writes nothing).
    AtomicResponse early = stub.atomic(atomic(List.of(checkAbsent(checkKey)),
        List.of(set(checkKey, stringValue("too early")))));
    assertEquals(List.of(0), early.getFailedChecksList());

    int visible = 0;
    int gone = 0;
    boolean actedAtExpiry = false;
    while (true) {
      long sent = System.currentTimeMillis();
      if (sent > expiresAt && !actedAtExpiry) {
        // First chance after expiry (the 50 ms sweep has most likely not run yet).
        AtomicResponse check = stub.atomic(atomic(List.of(checkAbsent(checkKey)),
            List.of(set(checkKey, stringValue("recreated")))));
        assertTrue(check.getOk(), "check absent on an expired key must hold: " + check);
        AtomicResponse stale = stub.atomic(atomic(List.of(checkVersionstamp(getKey, v)), List.of()));
        assertEquals(List.of(0), stale.getFailedChecksList(), "an expired key has no versionstamp");
        commitOk(stub, atomic(Wire.sum(sumKey, 1)));
        assertEquals(u64Value(1), Wire.get(stub, sumKey).getValue(), "sum on an expired key starts from the operand");
        actedAtExpiry = true;
        sent = System.currentTimeMillis();
      }
      Entry g = Wire.get(stub, getKey);
      List<Entry> listed = Wire.list(stub, key("list"));
      long done = System.currentTimeMillis();
      if (done < expiresAt) {
        assertTrue(g.hasValue(), "visible before it expires");
        assertEquals(2, listed.size());
        visible++;
      } else if (sent > expiresAt) {
        assertFalse(g.hasValue(), "Get returned an expired key at " + sent + " > " + expiresAt);
        assertEquals(ByteString.EMPTY, g.getVersionstamp());
        assertEquals(List.of(key("list", "b")), listed.stream().map(Entry::getKey).toList(),
            "List returned an expired key at " + sent + " > " + expiresAt);
        gone++;
        if (sent > expiresAt + 50) {
          break;
        }
      }
    }
    assertTrue(visible > 0 && gone > 0, visible + " samples before expiry, " + gone + " after");
  }

  @Test
  void keysRewrittenAfterExpiryAreNotSweptWithTheirOldExpiry() throws Exception {
    dev.atomkv.proto.v1.Key checkKey = key("check");
    dev.atomkv.proto.v1.Key sumKey = key("sum");
    commitOk(stub, atomic(setExpiring(checkKey, stringValue("c"), 100), setExpiring(sumKey, u64Value(5), 100)));
    long expiresAt = Wire.get(stub, checkKey).getExpiresAtMs();
    sleepUntil(expiresAt + 1);
    ByteString recreated = commitOk(stub, atomic(List.of(checkAbsent(checkKey)),
        List.of(set(checkKey, stringValue("new")), Wire.sum(sumKey, 1))));

    Thread.sleep(1_200); // many sweeps
    Entry c = Wire.get(stub, checkKey);
    assertEquals(stringValue("new"), c.getValue());
    assertEquals(recreated, c.getVersionstamp());
    assertEquals(0, c.getExpiresAtMs());
    Entry s = Wire.get(stub, sumKey);
    assertEquals(u64Value(1), s.getValue());
    assertEquals(0, s.getExpiresAtMs());
  }

  @Test
  void aSetWithoutExpiryClearsAnEarlierExpiry() throws Exception {
    Key k = Key.of("k");
    kv.set(k, KvValue.of("short-lived"), Duration.ofMillis(1_000));
    assertTrue(kv.get(k).expiresAt() != null);
    var r = kv.set(k, KvValue.of("forever"));
    Entry cleared = Wire.get(stub, key("k"));
    assertEquals(0, cleared.getExpiresAtMs());
    Thread.sleep(2_000); // past the old expiry, and many sweeps
    KvEntry e = kv.get(k);
    assertEquals(KvValue.of("forever"), e.value());
    assertEquals(r.versionstamp(), e.versionstamp());
    assertEquals(null, e.expiresAt());
  }

  @Test
  void sumMinAndMaxClearExpiry() throws Exception {
    commitOk(stub, atomic(
        setExpiring(key("sum"), u64Value(5), 1_000),
        setExpiring(key("min"), u64Value(5), 1_000),
        setExpiring(key("max"), u64Value(5), 1_000)));
    for (String k : List.of("sum", "min", "max")) {
      assertTrue(Wire.get(stub, key(k)).getExpiresAtMs() > 0);
    }
    ByteString v = commitOk(stub, atomic(Wire.sum(key("sum"), 1), Wire.min(key("min"), 9), Wire.max(key("max"), 1)));
    for (String k : List.of("sum", "min", "max")) {
      assertEquals(0, Wire.get(stub, key(k)).getExpiresAtMs(), k + " keeps an expiry");
    }
    Thread.sleep(2_000);
    assertEquals(u64Value(6), Wire.get(stub, key("sum")).getValue());
    assertEquals(u64Value(5), Wire.get(stub, key("min")).getValue());
    assertEquals(u64Value(5), Wire.get(stub, key("max")).getValue());
    assertEquals(v, Wire.get(stub, key("max")).getVersionstamp());
  }

  @Test
  void aLaterExpiryReplacesAnEarlierOne() throws Exception {
    commitOk(stub, atomic(setExpiring(key("k"), stringValue("soon"), 100)));
    ByteString v = commitOk(stub, atomic(setExpiring(key("k"), stringValue("later"), 60_000)));
    Thread.sleep(1_200);
    Entry e = Wire.get(stub, key("k"));
    assertEquals(stringValue("later"), e.getValue());
    assertEquals(v, e.getVersionstamp());
    assertTrue(e.getExpiresAtMs() > System.currentTimeMillis() + 50_000);
  }

  /**
   * The sweeper deletes expired keys within about a second (the engine's own tests show the
   * tables emptied and the sweep taking a commit version); the deletion survives a restart.
   */
  @Test
  void theSweeperDeletesExpiredKeysWithinASecond() throws Exception {
    commitOk(stub, atomic(
        setExpiring(key("gone"), stringValue("v"), 200),
        set(key("kept"), stringValue("v"))));
    long expiresAt = Wire.get(stub, key("gone")).getExpiresAtMs();
    sleepUntil(expiresAt + 1_000);
    assertEquals(List.of(key("kept")), Wire.everything(stub).stream().map(Entry::getKey).toList());
    server.restart();
    stub = server.stub();
    assertEquals(List.of(key("kept")), Wire.everything(stub).stream().map(Entry::getKey).toList());
  }


  private static void sleepUntil(long epochMs) throws InterruptedException {
    long wait = epochMs - System.currentTimeMillis();
    if (wait > 0) {
      Thread.sleep(wait);
    }
  }
}
