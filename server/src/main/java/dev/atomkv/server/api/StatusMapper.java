package dev.atomkv.server.api;

import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.tenant.Admission;
import dev.atomkv.server.tenant.RateLimitException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place that turns failures into gRPC statuses. No stack trace ever reaches a client. */
final class StatusMapper {
  /** ErrorInfo reason telling a client the request was never applied, so a retry is safe. */
  static final String NOT_APPLIED = "NOT_APPLIED";
  /** ErrorInfo reason telling a client its tenant is at a storage quota: a retry fails alike. */
  static final String QUOTA_EXCEEDED = "QUOTA_EXCEEDED";
  /** ErrorInfo reason of a call refused by its tenant's rate limits; RetryInfo says when to retry. */
  static final String TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS";
  static final String DOMAIN = "atomkv.dev";

  private static final Logger LOG = LoggerFactory.getLogger(StatusMapper.class);

  private StatusMapper() {}

  static StatusRuntimeException toStatus(Throwable t) {
    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    if (cause instanceof StatusRuntimeException sre) {
      return sre;
    }
    if (cause instanceof RateLimitException r) {
      return rateLimited(r.refusal());
    }
    if (!(cause instanceof KvException e)) {
      LOG.error("unexpected failure", cause);
      return Status.INTERNAL.withDescription("internal error").asRuntimeException();
    }
    switch (e.kind()) {
      case INVALID_ARGUMENT:
        return Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
      case FAILED_PRECONDITION:
        return Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException();
      case RESOURCE_EXHAUSTED:
        return Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asRuntimeException();
      case QUOTA_EXCEEDED:
        return withReason(Code.RESOURCE_EXHAUSTED, QUOTA_EXCEEDED, e.getMessage());
      case NOT_APPLIED:
        return withReason(Code.UNAVAILABLE, NOT_APPLIED, e.getMessage());
      case UNAVAILABLE:
        return Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException();
      default:
        LOG.error("internal failure: kind={} message={}", e.kind(), e.getMessage(), e);
        return Status.INTERNAL.withDescription("internal error").asRuntimeException();
    }
  }

  /**
   * RESOURCE_EXHAUSTED with ErrorInfo {@link #TOO_MANY_REQUESTS} (metadata: the tenant and the
   * limit) and RetryInfo: the call never reached the engine, and may be sent again after the
   * delay.
   */
  static StatusRuntimeException rateLimited(Admission refusal) {
    Duration delay = refusal.retryAfter();
    com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
        .setCode(Code.RESOURCE_EXHAUSTED_VALUE)
        .setMessage(refusal.message())
        .addDetails(com.google.protobuf.Any.pack(ErrorInfo.newBuilder()
            .setReason(TOO_MANY_REQUESTS)
            .setDomain(DOMAIN)
            .putMetadata("tenant", refusal.tenant())
            .putMetadata("limit", refusal.refusedBy().label())
            .build()))
        .addDetails(com.google.protobuf.Any.pack(RetryInfo.newBuilder()
            .setRetryDelay(com.google.protobuf.Duration.newBuilder()
                .setSeconds(delay.getSeconds())
                .setNanos(delay.getNano()))
            .build()))
        .build();
    return StatusProto.toStatusRuntimeException(status);
  }

  private static StatusRuntimeException withReason(Code code, String reason, String message) {
    com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
        .setCode(code.getNumber())
        .setMessage(message)
        .addDetails(com.google.protobuf.Any.pack(ErrorInfo.newBuilder()
            .setReason(reason)
            .setDomain(DOMAIN)
            .build()))
        .build();
    return StatusProto.toStatusRuntimeException(status);
  }
}
