package dev.atomkv.server.raft;

import dev.atomkv.server.engine.LogPosition;
import dev.atomkv.server.engine.ReplicaStore;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds this member's store from a peer's: it fetches a copy (the leader's first, then any
 * other member's), checks that it holds every entry the leader no longer has, and swaps it in.
 * A copy that fails on the way or falls short is discarded and the store stays as it was; Ratis
 * asks again at the leader's next attempt to reach this member.
 */
final class StoreInstaller implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(StoreInstaller.class);
  /** Where copies are staged, inside the data directory so that one renames into place. */
  static final String STAGING_DIR = "store-copies";
  /** A pause after every member failed, so the leader's next notice does not start at once. */
  static final long RETRY_PAUSE_MS = 1_000;

  private final ReplicaStore store;
  private final Supplier<Map<String, String>> peers;
  private final Path staging;
  private final AtomicLong installs = new AtomicLong();
  private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "atomkv-store-install");
    t.setDaemon(true);
    return t;
  });

  /** @param peers every other member's id and Raft address */
  StoreInstaller(ReplicaStore store, Supplier<Map<String, String>> peers) {
    this.store = store;
    this.peers = peers;
    this.staging = store.dataDir().resolve(STAGING_DIR).resolve("in");
  }

  /**
   * Replaces the store with a peer's copy holding at least entry {@code needed}.
   *
   * @param leader the leader's id, asked first; null if unknown
   * @return the position the installed copy holds
   */
  CompletableFuture<LogPosition> install(String leader, long needed) {
    return CompletableFuture.supplyAsync(() -> installNow(leader, needed), executor);
  }

  long installs() {
    return installs.get();
  }

  private LogPosition installNow(String leader, long needed) {
    Map<String, String> members = peers.get();
    List<String> order = new ArrayList<>();
    if (leader != null && members.containsKey(leader)) {
      order.add(leader);
    }
    members.keySet().stream().filter(id -> !order.contains(id)).forEach(order::add);
    Exception last = null;
    for (String id : order) {
      SnapshotTransfer.deleteTree(staging);
      try {
        long started = System.nanoTime();
        LogPosition position = SnapshotTransfer.fetch(members.get(id), staging);
        if (position.index() < needed) {
          LOG.info("a member's store copy is behind what is needed: member={} index={} needed={}",
              id, position.index(), needed);
          continue;
        }
        // The copy must open as a store and hold what its sender announced.
        LogPosition held = store.appliedIn(staging);
        if (!held.equals(position)) {
          throw new IOException("store copy holds " + held + " but was announced as " + position);
        }
        store.replaceWith(staging).join();
        installs.incrementAndGet();
        LOG.info("store rebuilt from a member's copy: member={} term={} index={} ms={}", id,
            position.term(), position.index(), (System.nanoTime() - started) / 1_000_000);
        return position;
      } catch (IOException | RuntimeException e) {
        LOG.warn("store copy from a member failed; the store stays as it was: member={}", id, e);
        last = e;
      } finally {
        SnapshotTransfer.deleteTree(staging);
      }
    }
    try {
      Thread.sleep(RETRY_PAUSE_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new CompletionException(new IOException(
        "no member could provide a store copy holding entry " + needed, last));
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
