package dev.atomkv.server.lmdb;

import dev.atomkv.server.model.tenant.TenantKeys;
import dev.atomkv.server.model.tenant.Usage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.lmdbjava.Dbi;
import org.lmdbjava.Txn;

/**
 * The {@code usage} table: tenant name → {@code [bytes:8][keys:8]}, changed by every put and
 * delete of the data table in the same transaction, so a quota is judged on exact figures and a
 * rolled-back request leaves them as they were. A key's bytes are its length without the tenant
 * prefix plus its value's payload, as {@link Usage} says.
 */
final class UsageTable {
  private static final byte[] DEFAULT_NAME = TenantKeys.DEFAULT.getBytes(StandardCharsets.US_ASCII);

  private final Dbi<byte[]> dbi;

  UsageTable(Dbi<byte[]> dbi) {
    this.dbi = dbi;
  }

  /** Accounts for {@code key} going from {@code oldRecord} to {@code newRecord} (either null). */
  void account(Txn<byte[]> txn, byte[] key, byte[] oldRecord, byte[] newRecord,
      int recordHeader) {
    long deltaKeys = (newRecord == null ? 0 : 1) - (oldRecord == null ? 0 : 1);
    long deltaBytes = (newRecord == null ? 0 : newRecord.length)
        - (oldRecord == null ? 0 : oldRecord.length);
    if (deltaKeys == 0 && deltaBytes == 0) {
      return;
    }
    byte[] name = nameOf(key);
    if (name == null) {
      return;
    }
    // A key that appears or goes adds or takes its own bytes; the records' headers never count.
    long keyOverRecords = key.length - TenantKeys.prefixLength(key) - recordHeader;
    add(txn, name, deltaBytes + deltaKeys * keyOverRecords, deltaKeys);
  }

  Usage get(Txn<byte[]> txn, String tenant) {
    return decode(dbi.get(txn, tenant.getBytes(StandardCharsets.US_ASCII)));
  }

  void remove(Txn<byte[]> txn, String tenant) {
    dbi.delete(txn, tenant.getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * Recounts every tenant from the data table: for a store written before usage was tracked,
   * once, when it is first opened by a build that tracks it.
   */
  void rebuild(Txn<byte[]> txn, LongKeyTable data, int recordHeader) {
    Map<String, long[]> counted = new HashMap<>();
    try (TableCursor c = data.cursor(txn)) {
      for (boolean on = c.first(); on; on = c.next()) {
        byte[] key = c.key();
        String tenant = TenantKeys.tenantOf(key);
        if (tenant != null) {
          long[] u = counted.computeIfAbsent(tenant, t -> new long[2]);
          u[0] += key.length - TenantKeys.prefixLength(key) + c.value().length - recordHeader;
          u[1]++;
        }
      }
    }
    dbi.drop(txn);
    counted.forEach((tenant, u) ->
        dbi.put(txn, tenant.getBytes(StandardCharsets.US_ASCII), encode(new Usage(u[0], u[1]))));
  }

  private void add(Txn<byte[]> txn, byte[] name, long deltaBytes, long deltaKeys) {
    Usage now = decode(dbi.get(txn, name)).plus(deltaBytes, deltaKeys);
    dbi.put(txn, name, encode(now));
  }

  private static byte[] nameOf(byte[] key) {
    if (TenantKeys.prefixLength(key) == 0) {
      return TenantKeys.tenantOf(key) == null ? null : DEFAULT_NAME;
    }
    return TenantKeys.tenantOf(key).getBytes(StandardCharsets.US_ASCII);
  }

  private static Usage decode(byte[] v) {
    if (v == null) {
      return Usage.NONE;
    }
    ByteBuffer b = ByteBuffer.wrap(v);
    return new Usage(b.getLong(), b.getLong());
  }

  private static byte[] encode(Usage u) {
    return ByteBuffer.allocate(2 * Long.BYTES).putLong(u.bytes()).putLong(u.keys()).array();
  }
}
