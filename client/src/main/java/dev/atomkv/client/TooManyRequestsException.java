package dev.atomkv.client;

import io.grpc.Status;
import java.time.Duration;

/**
 * A call refused by the tenant's rate limits (RESOURCE_EXHAUSTED, ErrorInfo reason {@code
 * TOO_MANY_REQUESTS}). The server refused it before it reached the data, so nothing was read or
 * written and the same call may be sent again once {@link #retryAfter()} has passed.
 */
public final class TooManyRequestsException extends KvException {
  /** The {@code google.rpc.ErrorInfo} reason of a call over its tenant's rate limits. */
  public static final String REASON = "TOO_MANY_REQUESTS";

  private final Duration retryAfter;

  TooManyRequestsException(String description, Duration retryAfter, Throwable cause) {
    super(Status.Code.RESOURCE_EXHAUSTED, description, REASON, cause);
    this.retryAfter = retryAfter;
  }

  /** How long to wait before sending the call again (the server's RetryInfo; zero if none). */
  public Duration retryAfter() {
    return retryAfter;
  }

  /** Always true: a call over the rate limit is refused before it is applied. */
  @Override
  public boolean isNotApplied() {
    return true;
  }
}
