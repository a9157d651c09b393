package dev.atomkv.server.lmdb;

import dev.atomkv.server.engine.EngineOptions;
import dev.atomkv.server.engine.ReplicaStore;
import dev.atomkv.server.engine.SyncMode;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.lmdbjava.ByteArrayProxy;
import org.lmdbjava.CopyFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.EnvInfo;
import org.lmdbjava.LmdbNativeException;
import org.lmdbjava.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of the LMDB environment's life: it opens the environment and binds the
 * {@link Store} to it, runs read transactions against it, and after a commit that left it in
 * MDB_PANIC (LMDB then refuses every transaction) closes and reopens it once no reader holds it.
 * Readers hold a shared lock so that neither a reopen nor {@link #close} frees the environment
 * under a read transaction.
 */
final class LmdbEnvironment implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LmdbEnvironment.class);
  /** The file LMDB keeps a store in, inside its directory. */
  static final String DATA_FILE = ReplicaStore.COPY_FILE;
  private static final String STORAGE_REOPENING =
      "storage failed and is being reopened: retry the read";

  private final EngineOptions options;
  private final Store store;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  /** Replaced only by {@link #reopen}, under the exclusive lock; null while broken. */
  private volatile Env<byte[]> env;
  /** From the moment a reopen closes the panicked environment until a new one is open. */
  private volatile boolean broken;
  /** Guarded by the exclusive lock. */
  private boolean closed;

  private LmdbEnvironment(EngineOptions options, Env<byte[]> env) {
    this.options = options;
    this.env = env;
    this.store = new Store(env);
  }

  /** Opens (creating if needed) the store in {@link EngineOptions#dataDir()}. */
  static LmdbEnvironment open(EngineOptions options) {
    try {
      Files.createDirectories(options.dataDir());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create data directory " + options.dataDir(), e);
    }
    Env<byte[]> env = openEnv(options);
    try {
      return new LmdbEnvironment(options, env);
    } catch (RuntimeException e) {
      env.close();
      throw e;
    }
  }

  private static Env<byte[]> openEnv(EngineOptions options) {
    return Env.create(ByteArrayProxy.PROXY_BA)
        .setMapSize(options.mapSizeBytes())
        .setMaxDbs(Store.MAX_DBS)
        .setMaxReaders(options.maxReaders())
        .open(options.dataDir().toFile(), envFlags(options.syncMode()));
  }

  static EnvFlags[] envFlags(SyncMode mode) {
    // NOTLS: read transactions are not tied to threads (reads hop between executor threads).
    // Never MDB_WRITEMAP: a full disk would then kill the JVM with SIGBUS instead of failing a
    // commit.
    return switch (mode) {
      case FULL -> new EnvFlags[] {EnvFlags.MDB_NOTLS};
      case NO_METASYNC -> new EnvFlags[] {EnvFlags.MDB_NOTLS, EnvFlags.MDB_NOMETASYNC};
      case NONE -> new EnvFlags[] {EnvFlags.MDB_NOTLS, EnvFlags.MDB_NOSYNC};
    };
  }

  Store store() {
    return store;
  }

  /**
   * Checks or writes the format version and database id, and returns the id and the last commit
   * version. The only write transaction outside the writer: it runs before the writer exists.
   */
  Opened initialize(byte[] newDatabaseId) {
    try (Txn<byte[]> txn = env.txnWrite()) {
      byte[] id = store.initMeta(txn, newDatabaseId);
      long lastCommitVersion = store.lastCommitVersion(txn);
      txn.commit();
      return new Opened(id, lastCommitVersion);
    }
  }

  /** What an opened store holds: its database id and the last commit version it recorded. */
  record Opened(byte[] databaseId, long lastCommitVersion) {}

  /** Runs {@code body} in a fresh read transaction; everything it returns must be copied out. */
  <T> T read(Function<Txn<byte[]>, T> body) {
    return withEnv(env -> {
      try (Txn<byte[]> txn = env.txnRead()) {
        return body.apply(txn);
      } catch (Env.ReadersFullException e) {
        // A burst beyond the slots the server sized for; the reader may retry once others end.
        throw new KvException(ErrorKind.UNAVAILABLE, "too many concurrent reads: LMDB reader "
            + "table full (max " + options.maxReaders() + ")");
      }
    });
  }

  /** Runs {@code body} on the open environment, which nothing closes meanwhile. */
  private <T> T withEnv(Function<Env<byte[]>, T> body) {
    Lock shared = lock.readLock();
    shared.lock();
    try {
      if (closed) {
        throw new KvException(ErrorKind.UNAVAILABLE, "server is shutting down");
      }
      if (broken) {
        throw new KvException(ErrorKind.UNAVAILABLE, STORAGE_REOPENING);
      }
      return body.apply(env);
    } catch (LmdbNativeException.PanicException e) {
      // Between a commit that broke the environment and the writer reopening it.
      throw new KvException(ErrorKind.UNAVAILABLE, STORAGE_REOPENING);
    } finally {
      shared.unlock();
    }
  }

  // ---- the writer thread's --------------------------------------------------------------------

  /** A write transaction; only the writer thread opens one, while not {@link #broken()}. */
  Txn<byte[]> txnWrite() {
    return env.txnWrite();
  }

  Txn<byte[]> txnChild(Txn<byte[]> parent) {
    return env.txn(parent);
  }

  /** Whether a reopen closed the environment and failed: {@link #reopen} must succeed first. */
  boolean broken() {
    return broken;
  }

  /** Whether LMDB refuses new transactions of this environment (MDB_PANIC). */
  boolean panicked() {
    if (broken) {
      return true;
    }
    try (Txn<byte[]> probe = env.txnRead()) {
      return false;
    } catch (LmdbNativeException.PanicException e) {
      return true;
    }
  }

  /**
   * Closes the environment once no reader holds it and opens the store again. Until that
   * succeeds, reads fail with UNAVAILABLE and the writer tries again before its next batch.
   *
   * @return whether the store is open again
   */
  boolean reopen() {
    Lock exclusive = lock.writeLock();
    exclusive.lock();
    try {
      if (closed) {
        return false;
      }
      if (!broken) {
        broken = true;
        LOG.warn("LMDB environment is in MDB_PANIC after a failed commit; reopening it: dir={}",
            options.dataDir());
        env.close();
        env = null;
      }
      openAgain();
      LOG.warn("LMDB environment reopened after MDB_PANIC; serving again: dir={}",
          options.dataDir());
      return true;
    } catch (RuntimeException e) {
      LOG.error("could not reopen the LMDB environment; writes fail until it reopens: dir={}",
          options.dataDir(), e);
      return false;
    } finally {
      exclusive.unlock();
    }
  }

  // ---- anyone's --------------------------------------------------------------------------------

  /** The map size and the bytes of the file in use (up to the last page written). */
  long[] mapAndUsedBytes() {
    return withEnv(env -> {
      EnvInfo info = env.info();
      return new long[] {info.mapSize, (info.lastPageNumber + 1) * env.stat().pageSize};
    });
  }

  /** LMDB's compacting copy: a consistent snapshot in a read transaction of its own. */
  void copyCompact(File target) {
    withEnv(env -> {
      env.copy(target, CopyFlags.MDB_CP_COMPACT);
      return null;
    });
  }

  /** Flushes every commit to disk, whatever the sync mode left in the OS's buffers. */
  void sync() {
    withEnv(env -> {
      env.sync(true);
      return null;
    });
  }

  /**
   * Replaces the store's file with the one in {@code copyDir} (a closed LMDB copy on the same
   * filesystem) and opens it in place of the current one, once no reader holds the environment.
   * The writer thread calls it between batches. The file is renamed over the old one, so a crash
   * leaves either store whole; if the rename fails the old store is opened again.
   */
  void replace(Path copyDir) {
    Lock exclusive = lock.writeLock();
    exclusive.lock();
    try {
      if (closed) {
        throw new KvException(ErrorKind.UNAVAILABLE, "server is shutting down");
      }
      broken = true;
      if (env != null) {
        env.close();
        env = null;
      }
      Path data = options.dataDir().resolve(DATA_FILE);
      IOException moveFailure = null;
      try {
        Files.move(copyDir.resolve(DATA_FILE), data, StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        moveFailure = e;
      }
      openAgain();
      if (moveFailure != null) {
        throw new UncheckedIOException("cannot move the copy into " + data, moveFailure);
      }
      LOG.info("LMDB store replaced by a copy: dir={}", options.dataDir());
    } finally {
      exclusive.unlock();
    }
  }

  /** Closes the environment once no reader holds it; later reads fail with UNAVAILABLE. */
  @Override
  public void close() {
    Lock exclusive = lock.writeLock();
    exclusive.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      if (env != null) {
        env.close();
      }
    } finally {
      exclusive.unlock();
    }
  }

  /** Opens the environment again and binds the store to it; the caller holds the lock. */
  private void openAgain() {
    Env<byte[]> fresh = openEnv(options);
    try {
      store.bindTo(fresh);
    } catch (RuntimeException e) {
      fresh.close();
      throw e;
    }
    env = fresh;
    broken = false;
  }
}
