package dev.atomkv.server.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** The limiter on a clock the test moves: no sleeps, exact delays. */
class RateLimiterTest {
  /** A clock that moves only when told. */
  static final class ManualTime implements TimeMeter {
    long nanos = 1_000_000_000L;

    @Override
    public long currentTimeNanos() {
      return nanos;
    }

    @Override
    public boolean isWallClockBased() {
      return false;
    }

    void advance(Duration d) {
      nanos += d.toNanos();
    }
  }

  private final ManualTime time = new ManualTime();
  private final Map<String, RateLimits> limits = new ConcurrentHashMap<>();
  private final RateLimiter limiter = new RateLimiter(limits::get, time);

  private int admittedCalls(String tenant, int tries) {
    int n = 0;
    for (int i = 0; i < tries; i++) {
      if (limiter.admitCall(tenant).isAdmitted()) {
        n++;
      }
    }
    return n;
  }

  @Test
  void requestsPerSecondRefuseTheCallOverTheRateWithTheDelayUntilTheNextToken() {
    limits.put("a", new RateLimits(10, 0, 0));
    assertEquals(10, admittedCalls("a", 15));
    Admission refused = limiter.admitCall("a");
    assertFalse(refused.isAdmitted());
    assertEquals(LimitKind.REQUESTS, refused.refusedBy());
    assertEquals(Duration.ofMillis(100), refused.retryAfter());
    assertEquals("rate limit exceeded: requests per second (tenant 'a'); retry after 100 ms",
        refused.message());
    time.advance(refused.retryAfter());
    assertTrue(limiter.admitCall("a").isAdmitted());
    assertFalse(limiter.admitCall("a").isAdmitted());
  }

  @Test
  void twoTenantsAreIndependent() {
    limits.put("busy", new RateLimits(5, 0, 0));
    limits.put("quiet", new RateLimits(5, 0, 0));
    assertEquals(5, admittedCalls("busy", 50));
    assertFalse(limiter.admitCall("busy").isAdmitted());
    // The other tenant still has its whole rate while the first is refused.
    assertEquals(5, admittedCalls("quiet", 5));
    assertFalse(limiter.admitCall("busy").isAdmitted());
  }

  @Test
  void aChangeOfLimitsTakesEffectOnTheNextCall() {
    limits.put("a", new RateLimits(100, 0, 0));
    assertEquals(3, admittedCalls("a", 3));
    limits.put("a", new RateLimits(2, 0, 0)); // a cut: what is left is capped at once
    assertEquals(2, admittedCalls("a", 10));
    assertFalse(limiter.admitCall("a").isAdmitted());
    limits.put("a", new RateLimits(50, 0, 0)); // a raise: the extra capacity is there at once
    assertEquals(48, admittedCalls("a", 100));
    limits.put("a", RateLimits.UNLIMITED); // off: no bucket, every call admitted
    assertEquals(1000, admittedCalls("a", 1000));
    assertEquals(OptionalLong.empty(), limiter.headroom("a", LimitKind.REQUESTS));
    limits.put("a", new RateLimits(1, 0, 0)); // on again: a new bucket, full
    assertEquals(1, admittedCalls("a", 5));
  }

  @Test
  void writesPayTheirUnitsBeforeTheyRun() {
    limits.put("a", new RateLimits(0, 0, 5));
    assertTrue(limiter.admitWrite("a", 25 * 1024).isAdmitted()); // 3 units
    assertEquals(OptionalLong.of(2), limiter.headroom("a", LimitKind.WRITE_UNITS));
    Admission refused = limiter.admitWrite("a", 25 * 1024);
    assertEquals(LimitKind.WRITE_UNITS, refused.refusedBy());
    assertEquals(Duration.ofSeconds(12), refused.retryAfter()); // one more unit at 5 a minute
    assertTrue(limiter.admitWrite("a", 10 * 1024).isAdmitted()); // exactly one unit
    assertTrue(limiter.admitWrite("a", 0).isAdmitted()); // at least one unit
    assertEquals(OptionalLong.of(0), limiter.headroom("a", LimitKind.WRITE_UNITS));
  }

  @Test
  void aWriteLargerThanTheMinuteWaitsForAFullBucketAndLeavesDebt() {
    limits.put("a", new RateLimits(0, 0, 4));
    assertTrue(limiter.admitWrite("a", 1).isAdmitted());
    assertFalse(limiter.admitWrite("a", 100 * 1024).isAdmitted()); // 10 units, bucket not full
    time.advance(Duration.ofSeconds(15));
    assertTrue(limiter.admitWrite("a", 100 * 1024).isAdmitted());
    assertEquals(OptionalLong.of(-6), limiter.headroom("a", LimitKind.WRITE_UNITS));
  }

  @Test
  void aReadIsAdmittedOutOfDebtAndItsSizeChargedAfterwards() {
    limits.put("a", new RateLimits(0, 6, 0));
    assertTrue(limiter.admitRead("a").isAdmitted());
    limiter.chargeRead("a", 65 * 1024); // 7 units: one at admission, six now
    assertEquals(OptionalLong.of(-1), limiter.headroom("a", LimitKind.READ_UNITS));
    Admission refused = limiter.admitRead("a");
    assertEquals(LimitKind.READ_UNITS, refused.refusedBy());
    // Out of debt and one unit to pay: two units at 6 a minute.
    assertEquals(Duration.ofSeconds(20), refused.retryAfter());
    time.advance(Duration.ofSeconds(20));
    assertTrue(limiter.admitRead("a").isAdmitted());
  }

  @Test
  void aCallRefusedForItsUnitsGivesBackItsRequest() {
    limits.put("a", new RateLimits(2, 0, 1));
    assertTrue(limiter.admitWrite("a", 1).isAdmitted());
    assertFalse(limiter.admitWrite("a", 1).isAdmitted()); // no write unit left
    assertTrue(limiter.admitCall("a").isAdmitted()); // its request was given back
  }

  @Test
  void unlimitedTenantsHaveNoBuckets() {
    limits.put("a", RateLimits.UNLIMITED);
    for (int i = 0; i < 10_000; i++) {
      assertTrue(limiter.admitWrite("a", 1 << 20).isAdmitted());
      assertTrue(limiter.admitRead("unknown").isAdmitted());
    }
    assertEquals(OptionalLong.empty(), limiter.headroom("a", LimitKind.WRITE_UNITS));
  }

  @Test
  void refusalsReachTheListener() {
    List<String> seen = new ArrayList<>();
    limiter.listener(new RateLimiter.Listener() {
      @Override
      public void refused(String tenant, LimitKind kind) {
        seen.add("refused " + tenant + " " + kind);
      }

      @Override
      public void limited(String tenant) {
        seen.add("limited " + tenant);
      }
    });
    limits.put("a", new RateLimits(1, 0, 0));
    limiter.admitCall("a");
    limiter.admitCall("a");
    assertEquals(List.of("limited a", "refused a REQUESTS"), seen);
  }

  @Test
  void unitsRoundUpWithAMinimumOfOne() {
    assertEquals(1, RateLimiter.units(0));
    assertEquals(1, RateLimiter.units(10240));
    assertEquals(2, RateLimiter.units(10241));
    assertEquals(3, RateLimiter.units(25 * 1024));
    assertEquals(7, RateLimiter.units(65 * 1024));
  }

  @Test
  void negativeLimitsAreRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new RateLimits(-1, 0, 0));
    assertEquals("rate limit requestsPerSecond must be 0 (unlimited) or more, got -1",
        e.getMessage());
  }

  @Test
  void retryAfterRoundsUp() {
    Admission a = Admission.refused("t", LimitKind.REQUESTS, 1_500_000_001L);
    assertEquals(1501, a.retryAfterMillis());
    assertEquals(2, a.retryAfterSeconds());
    assertEquals(1, Admission.refused("t", LimitKind.REQUESTS, 0).retryAfterSeconds());
    assertThrows(RateLimitException.class, a::orThrow);
  }
}
