package dev.atomkv.server.raft;

import dev.atomkv.server.engine.DeadLetterLog;
import dev.atomkv.server.engine.BackupResult;
import dev.atomkv.server.engine.ClusterStatus;
import dev.atomkv.server.engine.EngineStats;
import dev.atomkv.server.engine.KeyWatch;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.engine.ListPage;
import dev.atomkv.server.engine.QueueCounts;
import dev.atomkv.server.engine.QueueSink;
import dev.atomkv.server.engine.QueueSubscription;
import dev.atomkv.server.engine.RangeRead;
import dev.atomkv.server.engine.ReplicaStore;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.engine.WatchListener;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.Versionstamp;
import dev.atomkv.server.model.tenant.Usage;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToLongFunction;

/**
 * A cluster member's engine for eventual reads: gets, lists and watches answered by this member's
 * store as it stands (every write it shows is committed, but the latest ones may not have reached
 * it yet); everything else, writes above all, goes through the cluster as usual.
 */
final class EventualReads implements KvEngine {
  private final KvEngine cluster;
  private final ReplicaStore local;

  EventualReads(KvEngine cluster, ReplicaStore local) {
    this.cluster = cluster;
    this.local = local;
  }

  @Override
  public List<StoredEntry> get(List<byte[]> keys) {
    return local.get(keys);
  }

  @Override
  public ListPage list(byte[] start, byte[] end, boolean reverse, int limit, long maxBytes,
      ToLongFunction<StoredEntry> sizer) {
    return local.list(start, end, reverse, limit, maxBytes, sizer);
  }

  @Override
  public List<ListPage> listRanges(List<RangeRead> ranges, long maxBytes,
      ToLongFunction<StoredEntry> sizer) {
    return local.listRanges(ranges, maxBytes, sizer);
  }

  @Override
  public KeyWatch watch(List<byte[]> keys, Versionstamp after, WatchListener listener) {
    return local.watch(keys, after, listener);
  }

  @Override
  public CompletableFuture<CommitResult> commit(AtomicWrite write) {
    return cluster.commit(write);
  }

  @Override
  public QueueSubscription listen(String tenant, int maxInFlight, QueueSink sink) {
    return cluster.listen(tenant, maxInFlight, sink);
  }

  @Override
  public CompletableFuture<Void> ack(String tenant, String leaseId, boolean success) {
    return cluster.ack(tenant, leaseId, success);
  }

  @Override
  public CompletableFuture<Integer> dropTenantQueue(String tenant) {
    return cluster.dropTenantQueue(tenant);
  }

  @Override
  public void stopQueueDelivery() {
    cluster.stopQueueDelivery();
  }

  @Override
  public BackupResult backup(Path directory) {
    return cluster.backup(directory);
  }

  @Override
  public UUID databaseId() {
    return cluster.databaseId();
  }

  @Override
  public Usage usage(String tenant) {
    return cluster.usage(tenant);
  }

  @Override
  public EngineStats stats() {
    return cluster.stats();
  }

  @Override
  public DeadLetterLog deadLetters() {
    return cluster.deadLetters();
  }

  @Override
  public QueueCounts queueCounts(long nowMs, int maxReadyCounted) {
    return cluster.queueCounts(nowMs, maxReadyCounted);
  }

  @Override
  public ClusterStatus clusterStatus() {
    return cluster.clusterStatus();
  }

  @Override
  public KvEngine eventualReads() {
    return this;
  }

  /** The cluster engine owns the store: closing a view of it closes nothing. */
  @Override
  public void close() {}
}
