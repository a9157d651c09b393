package dev.atomkv.server.model;

/**
 * The limits of SPEC §5 for every request, in one place for both edges (gRPC and KV Connect), so
 * that a limit and its message cannot drift between them. Each rule throws an INVALID_ARGUMENT
 * {@link KvException} with the message the SPEC gives; the edges only translate it to their own
 * status or HTTP answer. Checks run before a request reaches the engine, so a bad request never
 * occupies the single writer.
 */
public final class RequestValidator {
  /** Deno's most ranges in one snapshot read; its clients enforce it too. */
  public static final int MAX_READ_RANGES = 10;
  /** Expiry times must stay exact in a JavaScript number (Deno's rule). */
  public static final long MAX_EXPIRY_MS = (1L << 53) - 1;

  private final Limits limits;
  private final AtomicValidator atomic;

  public RequestValidator(Limits limits) {
    this.limits = limits;
    this.atomic = new AtomicValidator(limits);
  }

  public Limits limits() {
    return limits;
  }

  /**
   * Keys in one Get: none is fine (Deno's {@code getMany([])} answers {@code []}), more than the
   * setting is not. Checked before the keys are encoded.
   */
  public void getKeyCount(int keys) {
    if (keys > limits.maxGetKeys()) {
      throw KvException.invalid("Too many keys (max " + limits.maxGetKeys() + ")");
    }
  }

  /** Keys in one Watch: at least one, since a watch of nothing would never send a message. */
  public void watchKeyCount(int keys) {
    if (keys == 0) {
      throw KvException.invalid("A watch needs at least one key");
    }
    if (keys > limits.maxWatchKeys()) {
      throw KvException.invalid("Too many keys (max " + limits.maxWatchKeys() + ")");
    }
  }

  /**
   * One encoded key read on its own (Get, Watch). Deno's rule: the range [K, K+0x00) that reads it
   * must fit the read limit, so the key itself may have one byte less than a List bound.
   */
  public void readKey(byte[] key) {
    if (key.length == 0) {
      throw KvException.invalid("key cannot be empty");
    }
    if (key.length + 1 > limits.maxReadKeyBytes()) {
      throw KvException.invalid(limits.readKeyTooLarge());
    }
  }

  /** One bound of a read range (List, KV Connect's snapshot_read), as derived or as sent. */
  public void readBound(byte[] bound) {
    if (bound.length > limits.maxReadKeyBytes()) {
      throw KvException.invalid(limits.readKeyTooLarge());
    }
  }

  /** Ranges in one KV Connect snapshot read. */
  public void readRangeCount(int ranges) {
    if (ranges > MAX_READ_RANGES) {
      throw KvException.invalid("Too many ranges (max " + MAX_READ_RANGES + ")");
    }
  }

  /**
   * The entries of one gRPC List page: 0 asks for the default page.
   *
   * @return the page size to read
   */
  public int listLimit(int requested) {
    if (requested < 0) {
      throw KvException.invalid("limit must not be negative");
    }
    if (requested == 0) {
      return Math.min(Limits.DEFAULT_LIST_LIMIT, limits.maxListLimit());
    }
    return rangeLimit(requested);
  }

  /**
   * The entries of one KV Connect range, which Deno always states.
   *
   * @return the page size to read
   */
  public int rangeLimit(int requested) {
    if (requested <= 0) {
      throw KvException.invalid("Invalid limit: it must be positive");
    }
    if (requested > limits.maxListLimit()) {
      throw KvException.invalid("Too many entries (max " + limits.maxListLimit() + ")");
    }
    return requested;
  }

  /**
   * The serialised size of one atomic request, a gRPC AtomicRequest or a KV Connect AtomicWrite
   * (Forge's payload limit; 0 turns it off).
   */
  public void requestBytes(long serializedBytes) {
    if (limits.maxRequestBytes() > 0 && serializedBytes > limits.maxRequestBytes()) {
      throw KvException.invalid("Request too large (max " + limits.maxRequestBytes() + " bytes)");
    }
  }

  /** The serialised size of a Get's answer, refused whole rather than cut short. */
  public void getResponseBytes(long serializedBytes) {
    if (serializedBytes > limits.maxResponseBytes()) {
      throw KvException.invalid("Response too large (max " + limits.maxResponseBytes()
          + " bytes): request fewer keys");
    }
  }

  /** Queue messages one listener asks to hold unacknowledged, read as unsigned (0 means 1). */
  public void listenInFlight(int requested) {
    if (Integer.compareUnsigned(requested, limits.maxListenInFlight()) > 0) {
      throw KvException.invalid(
          "Too many messages in flight (max " + limits.maxListenInFlight() + ")");
    }
  }

  /**
   * The expiry time of a set that expires {@code expireInMs} after the request was received (the
   * gRPC form), 0 for none.
   */
  public static long expiryAfter(long receivedAtMs, long expireInMs) {
    if (expireInMs < 0) {
      throw KvException.invalid("expireIn must be a non-negative integer");
    }
    if (expireInMs == 0) {
      return 0;
    }
    if (expireInMs > MAX_EXPIRY_MS - receivedAtMs) {
      throw KvException.invalid("expireIn is too large");
    }
    return receivedAtMs + expireInMs;
  }

  /** An expiry time as Deno sends it, in ms since the epoch (positive; the caller maps "none"). */
  public static long expiryAt(long expiresAtMs) {
    if (expiresAtMs > MAX_EXPIRY_MS) {
      throw KvException.invalid("expireIn is too large");
    }
    return expiresAtMs;
  }

  /** The checks, mutations and enqueues of one atomic write, after mapping (AtomicValidator). */
  public void atomicWrite(AtomicWrite write) {
    atomic.validate(write);
  }
}
