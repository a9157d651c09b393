package dev.atomkv.server.model;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;

/**
 * Enforces the limits of an atomic request before it reaches the writer, with Deno's accounting:
 * total mutation size = check keys + mutation keys + (value + key) of every value-carrying
 * mutation; total key size = keys of value-carrying mutations. A versionstamp suffix counts the
 * 22 bytes it will add.
 */
public final class AtomicValidator {
  /** Encoded size of the string part a versionstamp suffix adds: type byte, 20 hex, terminator. */
  public static final int VERSIONSTAMP_SUFFIX_BYTES = 22;

  private final Limits limits;

  public AtomicValidator(Limits limits) {
    this.limits = limits;
  }

  public void validate(AtomicWrite write) {
    if (write.checks().size() > limits.maxChecks()) {
      throw KvException.invalid("Too many checks (max " + limits.maxChecks() + ")");
    }
    // Deno counts enqueues as mutations.
    if (write.mutations().size() + write.enqueues().size() > limits.maxMutations()) {
      throw KvException.invalid("Too many mutations (max " + limits.maxMutations() + ")");
    }
    int operations = write.checks().size() + write.mutations().size();
    if (limits.maxOperations() > 0 && operations > limits.maxOperations()) {
      throw KvException.invalid("Too many operations (max " + limits.maxOperations()
          + " checks and mutations)");
    }
    if (limits.uniqueKeys()) {
      requireUniqueKeys(write);
    }
    long totalMutationBytes = 0;
    long totalKeyBytes = 0;
    for (Check check : write.checks()) {
      int keyBytes = checkWriteKey(check.key());
      totalMutationBytes += keyBytes;
    }
    for (Mutation m : write.mutations()) {
      int keyBytes = checkWriteKey(m.key())
          + (m.versionstampSuffix() ? VERSIONSTAMP_SUFFIX_BYTES : 0);
      if (keyBytes > limits.maxWriteKeyBytes()) {
        throw KvException.invalid(limits.writeKeyTooLarge());
      }
      totalMutationBytes += keyBytes;
      if (m.kind().carriesValue()) {
        int valueBytes = m.value().countedSize();
        if (valueBytes > limits.maxValueBytes()) {
          throw KvException.invalid("Value too large (max " + limits.maxValueBytes() + " bytes)");
        }
        totalMutationBytes += valueBytes + keyBytes;
        totalKeyBytes += keyBytes;
      }
    }
    for (Enqueue e : write.enqueues()) {
      totalMutationBytes += enqueueBytes(e);
    }
    if (totalMutationBytes > limits.maxTotalMutationBytes()) {
      throw KvException.invalid(
          "Total mutation size too large (max " + limits.maxTotalMutationBytes() + " bytes)");
    }
    if (totalKeyBytes > limits.maxTotalKeyBytes()) {
      throw KvException.invalid(
          "Total key size too large (max " + limits.maxTotalKeyBytes() + " bytes)");
    }
  }

  /**
   * What an enqueue adds to the total mutation size: its payload and 4 bytes per backoff interval
   * (Deno's count), plus its undelivered keys (denokv's), which a dead letter will write.
   */
  private long enqueueBytes(Enqueue e) {
    int payloadBytes = e.payload().countedSize();
    if (payloadBytes > limits.maxValueBytes()) {
      throw KvException.invalid(
          "enqueue payload too large (max " + limits.maxValueBytes() + " bytes)");
    }
    if (e.keysIfUndelivered().size() > Enqueue.MAX_UNDELIVERED_KEYS) {
      throw KvException.invalid(
          "Too many keys in keys_if_undelivered (max " + Enqueue.MAX_UNDELIVERED_KEYS + ")");
    }
    long bytes = payloadBytes
        + (long) Enqueue.BACKOFF_INTERVAL_BYTES * e.backoffScheduleMs().length;
    for (byte[] key : e.keysIfUndelivered()) {
      bytes += checkWriteKey(key);
    }
    return bytes;
  }

  private static void requireUniqueKeys(AtomicWrite write) {
    Set<ByteBuffer> seen = new HashSet<>();
    for (Check c : write.checks()) {
      requireFirstUse(seen, c.key());
    }
    for (Mutation m : write.mutations()) {
      if (!m.versionstampSuffix()) { // the suffix makes the written key new by construction
        requireFirstUse(seen, m.key());
      }
    }
  }

  private static void requireFirstUse(Set<ByteBuffer> seen, byte[] key) {
    if (!seen.add(ByteBuffer.wrap(key))) {
      String shown;
      try {
        shown = KeyCodec.decode(key).toString();
      } catch (KvException e) {
        shown = java.util.HexFormat.of().formatHex(key);
      }
      throw KvException.invalid("Key used more than once in one request: " + shown);
    }
  }

  private int checkWriteKey(byte[] key) {
    if (key.length == 0) {
      throw KvException.invalid("key cannot be empty");
    }
    if (key.length > limits.maxWriteKeyBytes()) {
      throw KvException.invalid(limits.writeKeyTooLarge());
    }
    return key.length;
  }
}
