package dev.atomkv.server.tenant;

import dev.atomkv.server.auth.Tokens;
import dev.atomkv.server.engine.KeyWatch;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.engine.ListPage;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.Check;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.MutationKind;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.tenant.TenantKeys;
import dev.atomkv.server.model.tenant.TenantSettings;
import dev.atomkv.server.model.tenant.TokenGrant;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tenants, their limits and their tokens. They are kept in the store (see {@link TenantKeys})
 * and changed by ordinary commits, so they replicate and survive restarts; every member keeps a
 * copy in memory for the per-call lookups, reloaded whenever the registry's version key changes
 * (a watch, so a change made through another member arrives within one apply) and at once after a
 * change made through this one, so the caller's next call already sees it.
 */
public final class TenantRegistry implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TenantRegistry.class);
  private static final long COMMIT_TIMEOUT_MS = 30_000;
  private static final int TOKEN_BYTES = 24;

  /** A token as issued: {@code token} is shown this once and never stored. */
  public record IssuedToken(String token, TokenGrant grant) {}

  private record Snapshot(Map<String, TenantSettings> tenants, Map<ByteBuffer, TokenGrant> tokens) {}

  private final KvEngine engine;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final ExecutorService reloader = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "atomkv-tenant-registry");
    t.setDaemon(true);
    return t;
  });
  private volatile Snapshot snapshot;
  private final KeyWatch watch;

  private TenantRegistry(KvEngine engine, Clock clock) {
    this.engine = engine;
    this.clock = clock;
    this.snapshot = load(engine.eventualReads());
    // This member's own store: a cluster member starting before it has a leader must not wait
    // for one, and what it applies is what it must follow.
    this.watch = engine.eventualReads().watch(List.of(TenantKeys.version()), null,
        () -> reloader.execute(this::changed));
    watch.poll();
  }

  /** Loads the registry of {@code engine}'s store and follows its changes until closed. */
  public static TenantRegistry open(KvEngine engine, Clock clock) {
    return new TenantRegistry(engine, clock);
  }

  // ---- lookups (from memory) -------------------------------------------------------------------

  /** What an issued token grants, or null when it is not one. */
  public TokenGrant grant(String presented) {
    return snapshot.tokens.get(ByteBuffer.wrap(Tokens.digest(presented)));
  }

  /** A tenant's settings; the default tenant always exists; null for an unknown tenant. */
  public TenantSettings settings(String tenant) {
    TenantSettings s = snapshot.tenants.get(tenant);
    return s == null && TenantKeys.DEFAULT.equals(tenant)
        ? TenantSettings.created(TenantKeys.DEFAULT, 0) : s;
  }

  /** Every tenant, the default one first, then by name; deleted ones only while their data goes. */
  public List<TenantSettings> list() {
    List<TenantSettings> out = new ArrayList<>();
    out.add(settings(TenantKeys.DEFAULT));
    snapshot.tenants.values().stream().filter(s -> !TenantKeys.DEFAULT.equals(s.name()))
        .sorted((a, b) -> a.name().compareTo(b.name())).forEach(out::add);
    return out;
  }

  /** The tokens issued to {@code tenant}, by id. */
  public List<TokenGrant> tokens(String tenant) {
    return snapshot.tokens.values().stream().filter(g -> g.tenant().equals(tenant))
        .sorted((a, b) -> a.id().compareTo(b.id())).toList();
  }

  // ---- changes (one commit each) ---------------------------------------------------------------

  public TenantSettings create(String name) {
    String problem = TenantKeys.nameProblem(name);
    if (problem != null) {
      throw KvException.invalid(problem);
    }
    if (TenantKeys.DEFAULT.equals(name)) {
      throw new KvException(ErrorKind.FAILED_PRECONDITION, "tenant 'default' always exists");
    }
    TenantSettings created = TenantSettings.created(name, clock.millis());
    CommitResult r = commit(List.of(Check.absent(TenantKeys.settings(name))),
        List.of(Mutation.set(TenantKeys.settings(name), Value.bytes(created.encode()))));
    if (!r.ok()) {
      TenantSettings existing = settings(name);
      throw new KvException(ErrorKind.FAILED_PRECONDITION, existing != null && existing.deleting()
          ? "tenant '" + name + "' is still being deleted" : "tenant '" + name + "' already exists");
    }
    return created;
  }

  /**
   * Deletes a tenant: its tokens stop working with this commit, and its data is removed in the
   * background (see {@link TenantReaper}), after which its name may be used again.
   */
  public void delete(String name) {
    TenantSettings s = existing(name);
    if (TenantKeys.DEFAULT.equals(name)) {
      throw new KvException(ErrorKind.FAILED_PRECONDITION, "tenant 'default' cannot be deleted");
    }
    List<Mutation> writes = new ArrayList<>();
    writes.add(Mutation.set(TenantKeys.settings(name), Value.bytes(s.markDeleting().encode())));
    snapshot.tokens.forEach((digest, grant) -> {
      if (grant.tenant().equals(name)) {
        writes.add(Mutation.delete(TenantKeys.token(bytes(digest))));
      }
    });
    commitOrConflict(writes);
  }

  public TenantSettings setLimits(String name, long requestsPerSecond, long readUnitsPerMinute,
      long writeUnitsPerMinute, long maxBytes, long maxKeys) {
    TenantSettings updated = existing(name).withLimits(requestsPerSecond, readUnitsPerMinute,
        writeUnitsPerMinute, maxBytes, maxKeys);
    commitOrConflict(List.of(Mutation.set(TenantKeys.settings(name),
        Value.bytes(updated.encode()))));
    return updated;
  }

  public IssuedToken issue(String tenant, TokenGrant.Role role) {
    existing(tenant);
    byte[] secret = new byte[TOKEN_BYTES];
    random.nextBytes(secret);
    String token = "akv_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    byte[] digest = Tokens.digest(token);
    TokenGrant grant = new TokenGrant(tenant, role,
        HexFormat.of().formatHex(digest, 0, 6), clock.millis());
    commitOrConflict(List.of(Mutation.set(TenantKeys.token(digest), Value.bytes(grant.encode()))));
    return new IssuedToken(token, grant);
  }

  public void revoke(String tenant, String id) {
    for (Map.Entry<ByteBuffer, TokenGrant> e : snapshot.tokens.entrySet()) {
      if (e.getValue().tenant().equals(tenant) && e.getValue().id().equals(id)) {
        commitOrConflict(List.of(Mutation.delete(TenantKeys.token(bytes(e.getKey())))));
        return;
      }
    }
    throw new KvException(ErrorKind.FAILED_PRECONDITION,
        "tenant '" + tenant + "' has no token with id '" + id + "'");
  }

  /** Drops a deleted tenant's record once its data is gone (the reaper's last step). */
  void forget(String name) {
    commitOrConflict(List.of(Mutation.delete(TenantKeys.settings(name))));
  }

  /** Deleted tenants whose data is still being removed. */
  List<String> deleting() {
    return snapshot.tenants.values().stream().filter(TenantSettings::deleting)
        .map(TenantSettings::name).toList();
  }

  /** A tenant that exists and is not being deleted, or INVALID_ARGUMENT naming it. */
  public TenantSettings existing(String name) {
    TenantSettings s = settings(name);
    if (s == null || s.deleting()) {
      throw new KvException(ErrorKind.FAILED_PRECONDITION, "no tenant named '" + name + "'");
    }
    return s;
  }

  @Override
  public void close() {
    watch.close();
    reloader.shutdownNow();
  }

  // ---- plumbing --------------------------------------------------------------------------------

  private void commitOrConflict(List<Mutation> writes) {
    if (!commit(List.of(), writes).ok()) {
      throw new KvException(ErrorKind.FAILED_PRECONDITION, "the tenant registry changed meanwhile");
    }
  }

  /** Commits with the registry's version bumped, then reloads from strong reads. */
  private CommitResult commit(List<Check> checks, List<Mutation> writes) {
    List<Mutation> all = new ArrayList<>(writes);
    all.add(Mutation.arithmetic(TenantKeys.version(), MutationKind.SUM, 1));
    CommitResult r;
    try {
      r = engine.commit(new AtomicWrite(checks, all)).get(COMMIT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KvException(ErrorKind.UNAVAILABLE, "interrupted while changing the registry");
    } catch (ExecutionException e) {
      throw e.getCause() instanceof KvException k ? k
          : new KvException(ErrorKind.INTERNAL, "tenant registry change failed", e.getCause());
    } catch (TimeoutException e) {
      throw KvException.outcomeUnknown(e);
    }
    snapshot = load(engine);
    return r;
  }

  private void changed() {
    try {
      if (watch.poll() != null) {
        snapshot = load(engine.eventualReads());
      }
    } catch (RuntimeException e) {
      LOG.warn("tenant registry not reloaded; the previous copy stays in force: cause={}",
          e.toString());
    }
  }

  private static Snapshot load(KvEngine reads) {
    Map<String, TenantSettings> tenants = new HashMap<>();
    scan(reads, TenantKeys.settingsStart(), TenantKeys.settingsEnd(), (key, value) -> {
      String name = TenantKeys.settingsTenant(key);
      tenants.put(name, TenantSettings.decode(name, value));
    });
    Map<ByteBuffer, TokenGrant> tokens = new HashMap<>();
    scan(reads, TenantKeys.tokensStart(), TenantKeys.tokensEnd(), (key, value) ->
        tokens.put(ByteBuffer.wrap(TenantKeys.tokenDigest(key)), TokenGrant.decode(value)));
    return new Snapshot(Map.copyOf(tenants), Map.copyOf(tokens));
  }

  private static void scan(KvEngine reads, byte[] start, byte[] end,
      BiConsumer<byte[], byte[]> each) {
    byte[] from = start;
    while (true) {
      ListPage page = reads.list(from, end, false, 1000, Long.MAX_VALUE, e -> 0);
      for (StoredEntry e : page.entries()) {
        each.accept(e.key(), e.value().payload());
      }
      if (!page.more() || page.entries().isEmpty()) {
        return;
      }
      byte[] last = page.entries().get(page.entries().size() - 1).key();
      from = Arrays.copyOf(last, last.length + 1);
    }
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
