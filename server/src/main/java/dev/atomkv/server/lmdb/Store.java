package dev.atomkv.server.lmdb;

import dev.atomkv.server.engine.LogPosition;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.ValueKind;
import dev.atomkv.server.model.Versionstamp;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.lmdbjava.ByteArrayProxy;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.Txn;

/**
 * The tables and their byte layout. Every method works inside the caller's transaction.
 *
 * <ul>
 *   <li>{@code data}: encoded key → {@code [kind:1][versionstamp:10][expiresAtMs:8][payload]}
 *   <li>{@code expiry}: {@code expiresAtMs:8 BE ‖ encoded key} → empty, one entry per record that
 *       expires, so the sweeper finds due keys without scanning the data
 *   <li>{@code meta}: format version, last commit version, database id, and for a member of a
 *       cluster the log position of the last entry applied
 *   <li>{@code queue} and {@code inflight}: queue messages, see {@link QueueTables}
 *   <li>{@code usage}: what each tenant stores, see {@link UsageTable}
 *   <li>{@code proposals}: for a member of a cluster, the proposals it applied lately, see
 *       {@link ProposalTable}
 * </ul>
 */
final class Store {
  static final int FORMAT_VERSION = 1;
  /** Named databases an environment holding a store must allow (7 used, room to grow). */
  static final int MAX_DBS = 8;

  private static final int HEADER = 1 + Versionstamp.LENGTH + Long.BYTES;
  private static final int EXPIRES_AT_OFFSET = 1 + Versionstamp.LENGTH;
  private static final byte[] META_FORMAT = ascii("format_version");
  private static final byte[] META_LAST_COMMIT = ascii("last_commit_version");
  private static final byte[] META_DATABASE_ID = ascii("database_id");
  private static final byte[] META_LAST_APPLIED = ascii("last_applied");
  private static final byte[] META_USAGE_TRACKED = ascii("usage_tracked");
  private static final byte[] EMPTY = {};

  // Not final: an environment reopened after MDB_PANIC gets new handles (see bindTo). Written by
  // the writer thread while the engine holds its environment lock exclusively.
  volatile LongKeyTable data;
  volatile LongKeyTable expiry;
  volatile QueueTables queues;
  volatile UsageTable usage;
  volatile ProposalTable proposals;
  private volatile Dbi<byte[]> meta;

  Store(Env<byte[]> env) {
    bindTo(env);
  }

  /** Opens (creating if needed) the tables in {@code env}, replacing handles of an earlier env. */
  void bindTo(Env<byte[]> env) {
    data = new LongKeyTable(env.openDbi("data", DbiFlags.MDB_CREATE));
    expiry = new LongKeyTable(env.openDbi("expiry", DbiFlags.MDB_CREATE));
    meta = env.openDbi("meta", DbiFlags.MDB_CREATE);
    queues = new QueueTables(env);
    usage = new UsageTable(env.openDbi("usage", DbiFlags.MDB_CREATE));
    proposals = new ProposalTable(
        new LongKeyTable(env.openDbi("proposals", DbiFlags.MDB_CREATE)));
  }

  // ---- records ---------------------------------------------------------------------------------

  static byte[] record(Value value, Versionstamp vs, long expiresAtMs) {
    byte[] payload = value.payload();
    return ByteBuffer.allocate(HEADER + payload.length)
        .put((byte) value.kind().code())
        .put(vs.toBytes())
        .putLong(expiresAtMs)
        .put(payload)
        .array();
  }

  static long expiresAt(byte[] record) {
    return ByteBuffer.wrap(record, EXPIRES_AT_OFFSET, Long.BYTES).getLong();
  }

  static boolean isLive(long expiresAtMs, long nowMs) {
    return expiresAtMs == 0 || expiresAtMs > nowMs;
  }

  static StoredEntry decode(byte[] key, byte[] record) {
    ByteBuffer b = ByteBuffer.wrap(record);
    ValueKind kind = ValueKind.fromCode(b.get());
    byte[] vs = new byte[Versionstamp.LENGTH];
    b.get(vs);
    long expiresAtMs = b.getLong();
    byte[] payload = Arrays.copyOfRange(record, HEADER, record.length);
    return new StoredEntry(key, new Value(kind, payload), Versionstamp.fromBytes(vs), expiresAtMs);
  }

  /** The entry under {@code key} unless it is missing or expired at {@code nowMs}. */
  StoredEntry live(Txn<byte[]> txn, byte[] key, long nowMs) {
    byte[] record = data.get(txn, key);
    return record == null || !isLive(expiresAt(record), nowMs) ? null : decode(key, record);
  }

  // ---- writes (writer thread only) -------------------------------------------------------------

  /** Stores a record, moving the key's expiry entry if its expiry time changed. */
  void put(Txn<byte[]> txn, byte[] key, Value value, Versionstamp vs, long expiresAtMs) {
    byte[] old = data.get(txn, key);
    long oldExpiresAt = old == null ? 0 : expiresAt(old);
    if (oldExpiresAt != expiresAtMs) {
      if (oldExpiresAt != 0) {
        expiry.delete(txn, expiryKey(oldExpiresAt, key));
      }
      if (expiresAtMs != 0) {
        expiry.put(txn, expiryKey(expiresAtMs, key), EMPTY);
      }
    }
    byte[] record = record(value, vs, expiresAtMs);
    data.put(txn, key, record);
    usage.account(txn, key, old, record, HEADER);
  }

  /** Removes the key and its expiry entry; returns whether there was anything to remove. */
  boolean delete(Txn<byte[]> txn, byte[] key) {
    byte[] old = data.get(txn, key);
    if (old == null) {
      return false;
    }
    long oldExpiresAt = expiresAt(old);
    if (oldExpiresAt != 0) {
      expiry.delete(txn, expiryKey(oldExpiresAt, key));
    }
    data.delete(txn, key);
    usage.account(txn, key, old, null, HEADER);
    return true;
  }

  /**
   * What a sweep did.
   *
   * @param due expiry entries found due and removed
   * @param deleted keys of the data entries deleted with them (the sweep then counts as a commit)
   */
  record Swept(int due, List<byte[]> deleted) {}

  /**
   * Deletes up to {@code maxKeys} keys whose expiry time is at or before {@code nowMs}, and their
   * expiry entries.
   */
  Swept sweep(Txn<byte[]> txn, long nowMs, int maxKeys) {
    // Collect first, then delete: simpler than reasoning about a cursor over a changing table.
    List<byte[]> due = new ArrayList<>();
    try (TableCursor c = expiry.cursor(txn)) {
      for (boolean on = c.first(); on && due.size() < maxKeys; on = c.next()) {
        byte[] expiryKey = c.key();
        if (isLive(expiryTime(expiryKey), nowMs)) {
          break;
        }
        due.add(expiryKey);
      }
    }
    List<byte[]> deleted = new ArrayList<>();
    for (byte[] expiryKey : due) {
      byte[] key = Arrays.copyOfRange(expiryKey, Long.BYTES, expiryKey.length);
      byte[] record = data.get(txn, key);
      // put/delete keep the tables in step; checking the record's own expiry costs little and
      // guarantees a stale expiry entry can never delete a live key.
      if (record != null && expiresAt(record) == expiryTime(expiryKey)) {
        data.delete(txn, key);
        usage.account(txn, key, record, null, HEADER);
        deleted.add(key);
      }
      expiry.delete(txn, expiryKey);
    }
    return new Swept(due.size(), deleted);
  }

  /** Whether the first expiry entry is due at {@code nowMs}. */
  boolean hasExpired(Txn<byte[]> txn, long nowMs) {
    try (TableCursor c = expiry.cursor(txn)) {
      return c.first() && !isLive(expiryTime(c.key()), nowMs);
    }
  }

  static byte[] expiryKey(long expiresAtMs, byte[] key) {
    return ByteBuffer.allocate(Long.BYTES + key.length).putLong(expiresAtMs).put(key).array();
  }

  private static long expiryTime(byte[] expiryKey) {
    return ByteBuffer.wrap(expiryKey, 0, Long.BYTES).getLong();
  }

  // ---- meta ------------------------------------------------------------------------------------

  /** Checks or writes the format version and database id of a new or existing store. */
  byte[] initMeta(Txn<byte[]> txn, byte[] newDatabaseId) {
    byte[] format = meta.get(txn, META_FORMAT);
    if (format == null) {
      meta.put(txn, META_FORMAT, ByteBuffer.allocate(Integer.BYTES).putInt(FORMAT_VERSION).array());
      meta.put(txn, META_DATABASE_ID, newDatabaseId);
      meta.put(txn, META_USAGE_TRACKED, EMPTY);
      return newDatabaseId;
    }
    int version = ByteBuffer.wrap(format).getInt();
    if (version != FORMAT_VERSION) {
      throw new IllegalStateException("unsupported storage format version " + version
          + " (this build reads version " + FORMAT_VERSION + ")");
    }
    if (meta.get(txn, META_USAGE_TRACKED) == null) {
      // Written before tenants' usage was tracked: count it once, now, before any write.
      usage.rebuild(txn, data, HEADER);
      meta.put(txn, META_USAGE_TRACKED, EMPTY);
    }
    return meta.get(txn, META_DATABASE_ID);
  }

  long lastCommitVersion(Txn<byte[]> txn) {
    byte[] v = meta.get(txn, META_LAST_COMMIT);
    return v == null ? 0 : ByteBuffer.wrap(v).getLong();
  }

  /**
   * The last commit version recorded in the (closed) store in {@code dir}, read through a
   * read-only environment that creates no lock file, so a backup directory stays as written.
   */
  static long lastCommitVersionIn(File dir) {
    return readMetaIn(dir, META_LAST_COMMIT, v -> v == null ? 0 : ByteBuffer.wrap(v).getLong());
  }

  /** The last applied log position recorded in the (closed) store in {@code dir}, read alike. */
  static LogPosition lastAppliedIn(File dir) {
    return readMetaIn(dir, META_LAST_APPLIED, Store::position);
  }

  private static <T> T readMetaIn(File dir, byte[] key,
      java.util.function.Function<byte[], T> decode) {
    try (Env<byte[]> copy = Env.create(ByteArrayProxy.PROXY_BA)
        .setMaxDbs(MAX_DBS)
        .open(dir, EnvFlags.MDB_RDONLY_ENV, EnvFlags.MDB_NOLOCK, EnvFlags.MDB_NOTLS)) {
      Dbi<byte[]> copyMeta = copy.openDbi("meta");
      try (Txn<byte[]> txn = copy.txnRead()) {
        return decode.apply(copyMeta.get(txn, key));
      }
    }
  }

  void setLastCommitVersion(Txn<byte[]> txn, long version) {
    meta.put(txn, META_LAST_COMMIT, ByteBuffer.allocate(Long.BYTES).putLong(version).array());
  }

  /** The position of the last replicated log entry applied, or {@link LogPosition#NONE}. */
  LogPosition lastApplied(Txn<byte[]> txn) {
    return position(meta.get(txn, META_LAST_APPLIED));
  }

  private static LogPosition position(byte[] v) {
    if (v == null) {
      return LogPosition.NONE;
    }
    ByteBuffer b = ByteBuffer.wrap(v);
    return new LogPosition(b.getLong(), b.getLong());
  }

  void setLastApplied(Txn<byte[]> txn, LogPosition position) {
    meta.put(txn, META_LAST_APPLIED, ByteBuffer.allocate(2 * Long.BYTES)
        .putLong(position.term()).putLong(position.index()).array());
  }

  static long count(Txn<byte[]> txn, LongKeyTable table) {
    long n = 0;
    try (TableCursor c = table.cursor(txn)) {
      for (boolean on = c.first(); on; on = c.next()) {
        n++;
      }
    }
    return n;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
