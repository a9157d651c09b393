package dev.atomkv.server.model;

/**
 * Request limits (SPEC §5). Defaults are Deno KV's; each is a server setting. Build them with
 * {@link #builder()}: a limit left unset keeps its {@code DEFAULT_*} constant.
 *
 * @param maxWriteKeyBytes encoded key of a check or mutation (a versionstamp suffix included)
 * @param maxReadKeyBytes encoded key of a Get, or a bound derived for a List
 * @param maxValueBytes counted size of one value
 * @param maxGetKeys keys in one Get
 * @param maxListLimit entries in one List page
 * @param maxChecks checks in one Atomic
 * @param maxMutations mutations in one Atomic
 * @param maxTotalMutationBytes Deno's total mutation size of one Atomic
 * @param maxTotalKeyBytes Deno's total key size of one Atomic
 * @param maxResponseBytes serialised size of one Get or List response
 * @param maxOperations checks plus mutations in one Atomic, 0 for no limit (Forge: 25)
 * @param maxRequestBytes serialised size of one Atomic request, 0 for no limit beyond the inbound
 *     message limit (Forge: 4 MB)
 * @param uniqueKeys each key at most once across the checks and mutations of one Atomic (Forge)
 * @param maxWatchKeys keys in one Watch (Deno: 10)
 * @param maxListenInFlight queue messages one listener may hold unacknowledged
 */
public record Limits(
    int maxWriteKeyBytes,
    int maxReadKeyBytes,
    int maxValueBytes,
    int maxGetKeys,
    int maxListLimit,
    int maxChecks,
    int maxMutations,
    int maxTotalMutationBytes,
    int maxTotalKeyBytes,
    int maxResponseBytes,
    int maxOperations,
    int maxRequestBytes,
    boolean uniqueKeys,
    int maxWatchKeys,
    int maxListenInFlight) {

  /** Entries in a List page when the request names no limit (not a setting). */
  public static final int DEFAULT_LIST_LIMIT = 100;

  // The defaults of the server flags, too. Deno KV's values unless noted.
  public static final int DEFAULT_MAX_WRITE_KEY_BYTES = 2048;
  public static final int DEFAULT_MAX_READ_KEY_BYTES = 2049;
  public static final int DEFAULT_MAX_VALUE_BYTES = 65536;
  public static final int DEFAULT_MAX_GET_KEYS = 1000;
  public static final int DEFAULT_MAX_LIST_LIMIT = 1000;
  public static final int DEFAULT_MAX_CHECKS = 100;
  public static final int DEFAULT_MAX_MUTATIONS = 1000;
  public static final int DEFAULT_MAX_TOTAL_MUTATION_BYTES = 819200;
  public static final int DEFAULT_MAX_TOTAL_KEY_BYTES = 81920;
  /** 4 MiB: what gRPC clients accept by default. */
  public static final int DEFAULT_MAX_RESPONSE_BYTES = 4194304;
  /** No limit (Forge: 25). */
  public static final int DEFAULT_MAX_OPERATIONS = 0;
  /** No limit beyond the inbound message limit (Forge: 4000000). */
  public static final int DEFAULT_MAX_REQUEST_BYTES = 0;
  public static final boolean DEFAULT_UNIQUE_KEYS = false;
  public static final int DEFAULT_MAX_WATCH_KEYS = 10;
  public static final int DEFAULT_MAX_LISTEN_IN_FLIGHT = 100;

  /** Every limit at its default. */
  public static Limits defaults() {
    return builder().build();
  }

  /** Starts from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Named limits instead of fifteen positional ones; see the record's components. */
  public static final class Builder {
    private int maxWriteKeyBytes = DEFAULT_MAX_WRITE_KEY_BYTES;
    private int maxReadKeyBytes = DEFAULT_MAX_READ_KEY_BYTES;
    private int maxValueBytes = DEFAULT_MAX_VALUE_BYTES;
    private int maxGetKeys = DEFAULT_MAX_GET_KEYS;
    private int maxListLimit = DEFAULT_MAX_LIST_LIMIT;
    private int maxChecks = DEFAULT_MAX_CHECKS;
    private int maxMutations = DEFAULT_MAX_MUTATIONS;
    private int maxTotalMutationBytes = DEFAULT_MAX_TOTAL_MUTATION_BYTES;
    private int maxTotalKeyBytes = DEFAULT_MAX_TOTAL_KEY_BYTES;
    private int maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
    private int maxOperations = DEFAULT_MAX_OPERATIONS;
    private int maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
    private boolean uniqueKeys = DEFAULT_UNIQUE_KEYS;
    private int maxWatchKeys = DEFAULT_MAX_WATCH_KEYS;
    private int maxListenInFlight = DEFAULT_MAX_LISTEN_IN_FLIGHT;

    private Builder() {}

    public Builder maxWriteKeyBytes(int v) {
      maxWriteKeyBytes = v;
      return this;
    }

    public Builder maxReadKeyBytes(int v) {
      maxReadKeyBytes = v;
      return this;
    }

    public Builder maxValueBytes(int v) {
      maxValueBytes = v;
      return this;
    }

    public Builder maxGetKeys(int v) {
      maxGetKeys = v;
      return this;
    }

    public Builder maxListLimit(int v) {
      maxListLimit = v;
      return this;
    }

    public Builder maxChecks(int v) {
      maxChecks = v;
      return this;
    }

    public Builder maxMutations(int v) {
      maxMutations = v;
      return this;
    }

    public Builder maxTotalMutationBytes(int v) {
      maxTotalMutationBytes = v;
      return this;
    }

    public Builder maxTotalKeyBytes(int v) {
      maxTotalKeyBytes = v;
      return this;
    }

    public Builder maxResponseBytes(int v) {
      maxResponseBytes = v;
      return this;
    }

    public Builder maxOperations(int v) {
      maxOperations = v;
      return this;
    }

    public Builder maxRequestBytes(int v) {
      maxRequestBytes = v;
      return this;
    }

    public Builder uniqueKeys(boolean v) {
      uniqueKeys = v;
      return this;
    }

    public Builder maxWatchKeys(int v) {
      maxWatchKeys = v;
      return this;
    }

    public Builder maxListenInFlight(int v) {
      maxListenInFlight = v;
      return this;
    }

    public Limits build() {
      return new Limits(maxWriteKeyBytes, maxReadKeyBytes, maxValueBytes, maxGetKeys,
          maxListLimit, maxChecks, maxMutations, maxTotalMutationBytes,
          maxTotalKeyBytes, maxResponseBytes, maxOperations, maxRequestBytes,
          uniqueKeys, maxWatchKeys, maxListenInFlight);
    }
  }

  public String writeKeyTooLarge() {
    return "Key too large for write (max " + maxWriteKeyBytes + " bytes)";
  }

  public String readKeyTooLarge() {
    return "Key too large for read (max " + maxReadKeyBytes + " bytes)";
  }
}
