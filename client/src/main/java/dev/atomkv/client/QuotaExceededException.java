package dev.atomkv.client;

import io.grpc.Status;

/**
 * A write refused because the tenant's quota (of stored data) is used up (RESOURCE_EXHAUSTED,
 * ErrorInfo reason {@code QUOTA_EXCEEDED}). Nothing was written; retrying does not help until
 * data is deleted or the quota raised.
 */
public final class QuotaExceededException extends KvException {
  /** The {@code google.rpc.ErrorInfo} reason of a write over its tenant's quota. */
  public static final String REASON = "QUOTA_EXCEEDED";

  QuotaExceededException(String description, Throwable cause) {
    super(Status.Code.RESOURCE_EXHAUSTED, description, REASON, cause);
  }

  /** Always true: a write over the quota is refused before it is applied. */
  @Override
  public boolean isNotApplied() {
    return true;
  }
}
