package dev.atomkv.server.tenant;

import dev.atomkv.server.engine.BackupResult;
import dev.atomkv.server.engine.EngineStats;
import dev.atomkv.server.engine.KeyWatch;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.engine.ListPage;
import dev.atomkv.server.engine.QueueCounts;
import dev.atomkv.server.engine.QueueSink;
import dev.atomkv.server.engine.QueueSubscription;
import dev.atomkv.server.engine.RangeRead;
import dev.atomkv.server.engine.KeyPrefix;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.engine.WatchListener;
import dev.atomkv.server.engine.WatchUpdate;
import dev.atomkv.server.engine.WatchedKey;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.Check;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.Enqueue;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.Versionstamp;
import dev.atomkv.server.model.entity.EntityKeys;
import dev.atomkv.server.model.tenant.TenantKeys;
import dev.atomkv.server.model.tenant.Usage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToLongFunction;

/**
 * One tenant's view of the store: every key it is given is stored under the tenant's prefix
 * ({@link TenantKeys#dataPrefix}) and every key it returns has the prefix taken off, so the edges
 * above it serve a tenant exactly as they serve the default tenant, and no key, cursor or watch a
 * tenant can name reaches another tenant's data. The default tenant needs no view: it is the
 * engine itself.
 */
final class TenantEngine implements KvEngine {
  private static final dev.atomkv.server.engine.DeadLetterLog NO_DEAD_LETTERS =
      new dev.atomkv.server.engine.DeadLetterLog();

  private final KvEngine store;
  private final String tenant;
  private final KeyPrefix prefix;
  private final UUID databaseId;

  TenantEngine(KvEngine store, String tenant) {
    this.store = store;
    this.tenant = tenant;
    this.prefix = new KeyPrefix(TenantKeys.dataPrefix(tenant));
    // Each tenant is its own database to KV Connect clients: a stable id of its own.
    this.databaseId = UUID.nameUUIDFromBytes((store.databaseId() + "/" + tenant)
        .getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public List<StoredEntry> get(List<byte[]> keys) {
    List<StoredEntry> found = store.get(keys.stream().map(prefix::in).toList());
    List<StoredEntry> out = new ArrayList<>(found.size());
    for (StoredEntry e : found) {
      out.add(e == null ? null : prefix.out(e));
    }
    return out;
  }

  @Override
  public ListPage list(byte[] start, byte[] end, boolean reverse, int limit, long maxBytes,
      ToLongFunction<StoredEntry> sizer) {
    return out(store.list(prefix.in(start), prefix.in(end), reverse, limit, maxBytes,
        sized(sizer)));
  }

  @Override
  public List<ListPage> listRanges(List<RangeRead> ranges, long maxBytes,
      ToLongFunction<StoredEntry> sizer) {
    List<RangeRead> inside = ranges.stream()
        .map(r -> new RangeRead(prefix.in(r.start()), prefix.in(r.end()), r.reverse(),
            r.limit())).toList();
    return store.listRanges(inside, maxBytes, sized(sizer)).stream().map(this::out).toList();
  }

  @Override
  public CompletableFuture<CommitResult> commit(AtomicWrite write) {
    for (Enqueue q : write.enqueues()) {
      for (byte[] key : q.keysIfUndelivered()) {
        // Written as they are when the message is given up on, past the entity checks below.
        if (key.length > 0 && key[0] == (byte) 0xFF) {
          return CompletableFuture.failedFuture(KvException.invalid("keys starting with 0xFF are"
              + " reserved; tenant '" + tenant + "' cannot name one in keys_if_undelivered"));
        }
      }
    }
    for (Mutation m : write.mutations()) {
      // Every key lands behind the prefix, so a tenant cannot name another tenant's keys or the
      // registry's. Of the internal keys only an entity's definitions, documents and build steps
      // are written by requests (the applier keeps the index entries); refusing the rest keeps
      // a tenant's range holding only what the default tenant's layout allows.
      if (m.key().length > 0 && m.key()[0] == (byte) 0xFF
          && !EntityKeys.isWritable(m.key(), 0)) {
        return CompletableFuture.failedFuture(KvException.invalid(
            "keys starting with 0xFF are reserved; tenant '" + tenant + "' cannot write one"));
      }
    }
    List<Check> checks = write.checks().stream()
        .map(c -> new Check(prefix.in(c.key()), c.expectedVersionstamp(), c.where())).toList();
    List<Mutation> mutations = write.mutations().stream()
        .map(m -> new Mutation(prefix.in(m.key()), m.kind(), m.value(), m.expiresAtMs(),
            m.versionstampSuffix(), m.where(), m.merge())).toList();
    // Its messages join the tenant's own queue; what they write when given up on lands in the
    // tenant's keyspace.
    List<Enqueue> enqueues = write.enqueues().stream()
        .map(q -> q.inTenant(tenant, q.keysIfUndelivered().stream().map(prefix::in).toList()))
        .toList();
    return store.commit(new AtomicWrite(checks, mutations, write.deadlineNanos(), enqueues));
  }

  /**
   * The tenant's own queue, whichever tenant is named (the edges name none): its listeners
   * receive only its messages.
   */
  @Override
  public QueueSubscription listen(String ignored, int maxInFlight, QueueSink sink) {
    return store.listen(tenant, maxInFlight, sink);
  }

  /** Settles a lease of the tenant's own; another tenant's lease counts as ended. */
  @Override
  public CompletableFuture<Void> ack(String ignored, String leaseId, boolean success) {
    return store.ack(tenant, leaseId, success);
  }

  @Override
  public void stopQueueDelivery() {
    // The store's engine owns delivery, every tenant's.
  }

  @Override
  public KeyWatch watch(List<byte[]> keys, Versionstamp after, WatchListener listener) {
    KeyWatch inner = store.watch(keys.stream().map(prefix::in).toList(), after, listener);
    return new KeyWatch() {
      @Override
      public WatchUpdate poll() {
        WatchUpdate u = inner.poll();
        if (u == null) {
          return null;
        }
        List<WatchedKey> keys = u.keys().stream().map(k -> new WatchedKey(prefix.strip(k.key()),
            k.entry() == null ? null : prefix.out(k.entry()), k.changed())).toList();
        return new WatchUpdate(keys, u.readVersionstamp());
      }

      @Override
      public void close() {
        inner.close();
      }
    };
  }

  @Override
  public BackupResult backup(Path directory) {
    throw new KvException(ErrorKind.FAILED_PRECONDITION,
        "a backup holds every tenant: only a server administrator may take one");
  }

  @Override
  public UUID databaseId() {
    return databaseId;
  }

  @Override
  public EngineStats stats() {
    return store.stats();
  }

  @Override
  public Usage usage(String of) {
    return store.usage(of);
  }

  /**
   * Queue counts are the server's, summed over every tenant, for its administrators (console,
   * metrics); a tenant's view reports none rather than other tenants' figures.
   */
  @Override
  public QueueCounts queueCounts(long nowMs, int maxReadyCounted) {
    return new QueueCounts(0, 0, 0, true);
  }

  /** The dead-letter log is the server's, every tenant's; a tenant's view shows none of it. */
  @Override
  public dev.atomkv.server.engine.DeadLetterLog deadLetters() {
    return NO_DEAD_LETTERS;
  }

  @Override
  public KvEngine eventualReads() {
    KvEngine eventual = store.eventualReads();
    return eventual == store ? this : new TenantEngine(eventual, tenant);
  }

  @Override
  public void close() {
    // The store belongs to the server, not to one tenant's view of it.
  }

  private ListPage out(ListPage page) {
    return new ListPage(page.entries().stream().map(prefix::out).toList(), page.more());
  }

  /** The caller sizes (and may convert) entries as it will see them: without the prefix. */
  private ToLongFunction<StoredEntry> sized(ToLongFunction<StoredEntry> sizer) {
    return e -> sizer.applyAsLong(prefix.out(e));
  }
}
