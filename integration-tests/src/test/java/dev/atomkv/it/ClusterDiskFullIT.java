package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.client.Consistency;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvException;
import dev.atomkv.client.KvValue;
import dev.atomkv.proto.v1.TransferLeadershipRequest;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower whose database fills up (its LMDB map, the store's disk) while the others have room:
 * it must neither skip the entry that did not fit nor apply part of it, or it would hold other
 * data than its peers for good. It stops applying the log, stops its Raft server (a leader steps
 * out that way) and refuses reads with the reason; the two others go on; restarted with room, it
 * replays the log from where its store stopped and holds what they hold.
 */
class ClusterDiskFullIT {
  /** How long the member restarted with room may take to hold every key. */
  private static final long CATCH_UP_WAIT_MS = 90_000;

  @TempDir Path dir;

  private TestCluster cluster;

  @AfterEach
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aFollowerWhoseDatabaseIsFullStopsApplyingAndCatchesUpOnceRestartedWithRoom()
      throws Exception {
    fillTheThirdMember(false);
  }

  @Test
  void aLeaderWhoseDatabaseIsFullStepsOutAndTheOthersElectOneOfThemselves() throws Exception {
    fillTheThirdMember(true);
  }

  private void fillTheThirdMember(boolean leads) throws Exception {
    cluster = TestCluster.start(dir, "disk-full", 3);
    cluster.awaitLeader();
    cluster.restart(2, "--map-size=1m"); // n3: room for well under 1 MiB of data
    if (leads) {
      cluster.awaitLeader();
      cluster.admin(0).transferLeadership(TransferLeadershipRequest.newBuilder().setId("n3")
          .build());
    }
    KvClient n = cluster.client(0); // not through the member that fills up
    byte[] value = new byte[60_000];
    Arrays.fill(value, (byte) 'x');
    int keys = 40; // 2.4 MB: more than n3 can hold
    for (int k = 0; k < keys; k++) {
      setUntilAcknowledged(n, Key.of("big", (long) k), KvValue.of(value));
    }
    // The two members with room acknowledged every write (if n3 led when it filled up, the
    // writes in flight then ended unknown and were sent again once the two elected a leader);
    // n3 stopped at the first entry that did not fit and says so instead of answering from a
    // store that is behind.
    KvException refused = awaitRefusal(() -> cluster.client(2).get(Key.of("big", 0L)));
    assertTrue(refused.getMessage().contains("stopped applying the log"), refused.getMessage());
    String leader = cluster.status(0).leaderId();
    assertTrue(!"n3".equals(leader), "the member that cannot apply leads: " + leader);

    cluster.restart(2, "--map-size=64m");
    // It may first need a peer's store copy (the leader's log can have been purged past where its
    // store stopped), which on a loaded machine takes longer than a read's usual wait.
    TestCluster.retryUntilPresent(() -> cluster.client(2).get(Key.of("big", (long) keys - 1)),
        CATCH_UP_WAIT_MS);
    for (int k = 0; k < keys; k++) {
      Key key = Key.of("big", (long) k);
      KvEntry there = TestCluster.retryUntilPresent(() -> cluster.client(2).get(key));
      KvEntry here = n.get(key);
      assertEquals(here.versionstamp(), there.versionstamp(), "key " + k);
      assertEquals(value.length, there.value().asBytes().length, "key " + k);
    }
    n.set(Key.of("after"), KvValue.of("room again"));
    assertEquals("room again", TestCluster.retryUntilPresent(
        () -> cluster.client(2).get(Key.of("after"), Consistency.EVENTUAL)).value().asString());
  }

  /** Sets {@code key} again until a set is acknowledged (one ended unknown, or found no leader). */
  private static void setUntilAcknowledged(KvClient kv, Key key, KvValue value) throws Exception {
    long deadline = System.currentTimeMillis() + TestCluster.WAIT_MS;
    while (true) {
      try {
        kv.set(key, value);
        return;
      } catch (KvException e) {
        if (System.currentTimeMillis() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  /** The refusal a strong read on the full member ends with, once it has stopped applying. */
  private static KvException awaitRefusal(java.util.concurrent.Callable<KvEntry> read)
      throws Exception {
    long deadline = System.currentTimeMillis() + TestCluster.WAIT_MS;
    while (true) {
      try {
        read.call();
      } catch (KvException e) {
        if (e.getMessage().contains("stopped applying") || System.currentTimeMillis() > deadline) {
          return e;
        }
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("the full member went on answering reads");
      }
      Thread.sleep(100);
    }
  }
}
