package dev.atomkv.server.api;

import dev.atomkv.server.tenant.RateLimitException;
import dev.atomkv.server.tenant.RateLimiter;

/**
 * The rate limiter at the gRPC edge: each method asks it for the call's tenant before the call
 * reaches the engine. A refusal is thrown as a {@link RateLimitException}, which
 * {@link StatusMapper} answers as RESOURCE_EXHAUSTED with the delay to wait.
 */
final class RateGate {
  private final RateLimiter limiter;

  RateGate(RateLimiter limiter) {
    this.limiter = limiter;
  }

  /** A call that neither reads nor writes data. */
  void call() {
    limiter.admitCall(CallPrincipal.tenant()).orThrow();
  }

  /** A read: admitted now; its answer's size is charged with {@link #readReturned}. */
  void read() {
    limiter.admitRead(CallPrincipal.tenant()).orThrow();
  }

  /** The size of what an admitted read returned. */
  void readReturned(long bytes) {
    limiter.chargeRead(CallPrincipal.tenant(), bytes);
  }

  /** A write of {@code payloadBytes}, paid before it runs. */
  void write(long payloadBytes) {
    limiter.admitWrite(CallPrincipal.tenant(), payloadBytes).orThrow();
  }
}
