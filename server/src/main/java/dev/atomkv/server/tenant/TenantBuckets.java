package dev.atomkv.server.tenant;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.TokensInheritanceStrategy;

/** One tenant's buckets, for the limits they were built for; null where a limit is off. */
final class TenantBuckets {
  final RateLimits limits;
  final Bucket requests;
  final Bucket reads;
  final Bucket writes;

  private TenantBuckets(RateLimits limits, Bucket requests, Bucket reads, Bucket writes) {
    this.limits = limits;
    this.requests = requests;
    this.reads = reads;
    this.writes = writes;
  }

  /**
   * Buckets for {@code limits}. A limit that was already on keeps its bucket, reconfigured: a
   * raise adds the extra capacity at once, a cut caps what is left (and a read debt stays owed);
   * a limit newly on starts full.
   */
  static TenantBuckets of(RateLimits limits, TenantBuckets old, TimeMeter time) {
    return new TenantBuckets(limits,
        bucket(LimitKind.REQUESTS, limits, old, time),
        bucket(LimitKind.READ_UNITS, limits, old, time),
        bucket(LimitKind.WRITE_UNITS, limits, old, time));
  }

  Bucket bucket(LimitKind kind) {
    return switch (kind) {
      case REQUESTS -> requests;
      case READ_UNITS -> reads;
      case WRITE_UNITS -> writes;
    };
  }

  private static Bucket bucket(LimitKind kind, RateLimits limits, TenantBuckets old,
      TimeMeter time) {
    long limit = limits.of(kind);
    if (limit == 0) {
      return null;
    }
    Bandwidth bandwidth = Bandwidth.builder().capacity(limit)
        .refillGreedy(limit, kind.period()).build();
    Bucket previous = old == null ? null : old.bucket(kind);
    if (previous != null) {
      previous.replaceConfiguration(BucketConfiguration.builder().addLimit(bandwidth).build(),
          TokensInheritanceStrategy.ADDITIVE);
      return previous;
    }
    return Bucket.builder().addLimit(bandwidth).withCustomTimePrecision(time).build();
  }
}
