package dev.atomkv.server.model;

/**
 * Request limits (SPEC §5). Defaults are Deno KV's; each is a server setting.
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

  public static final int DEFAULT_LIST_LIMIT = 100;
  public static final int DEFAULT_MAX_LISTEN_IN_FLIGHT = 100;
  public static final int DEFAULT_MAX_WATCH_KEYS = 10;

  public Limits(int maxWriteKeyBytes, int maxReadKeyBytes, int maxValueBytes, int maxGetKeys,
      int maxListLimit, int maxChecks, int maxMutations, int maxTotalMutationBytes,
      int maxTotalKeyBytes, int maxResponseBytes, int maxOperations, int maxRequestBytes,
      boolean uniqueKeys) {
    this(maxWriteKeyBytes, maxReadKeyBytes, maxValueBytes, maxGetKeys, maxListLimit, maxChecks,
        maxMutations, maxTotalMutationBytes, maxTotalKeyBytes, maxResponseBytes, maxOperations,
        maxRequestBytes, uniqueKeys, DEFAULT_MAX_WATCH_KEYS, DEFAULT_MAX_LISTEN_IN_FLIGHT);
  }

  public static Limits defaults() {
    return new Limits(2048, 2049, 65536, 1000, 1000, 100, 1000, 819200, 81920, 4 * 1024 * 1024,
        0, 0, false);
  }

  public String writeKeyTooLarge() {
    return "Key too large for write (max " + maxWriteKeyBytes + " bytes)";
  }

  public String readKeyTooLarge() {
    return "Key too large for read (max " + maxReadKeyBytes + " bytes)";
  }
}
