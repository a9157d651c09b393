package dev.atomkv.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;

/** The one place that turns gRPC failures into {@link KvException}s. */
final class StatusMapping {
  private StatusMapping() {}

  static KvException forRead(StatusRuntimeException e) {
    KvException refused = refusal(e, reason(e));
    return refused != null ? refused
        : new KvException(e.getStatus().getCode(), e.getStatus().getDescription(), reason(e), e);
  }

  /** Atomic failures: transport-level endings mean the outcome is unknown unless the server said NOT_APPLIED. */
  static KvException forCommit(StatusRuntimeException e) {
    Status.Code code = e.getStatus().getCode();
    String reason = reason(e);
    boolean maybeApplied = code == Status.Code.DEADLINE_EXCEEDED
        || code == Status.Code.UNAVAILABLE
        || code == Status.Code.CANCELLED;
    if (maybeApplied && !KvException.REASON_NOT_APPLIED.equals(reason)) {
      return new CommitOutcomeUnknownException(code, e.getStatus().getDescription(), e);
    }
    KvException refused = refusal(e, reason);
    return refused != null ? refused
        : new KvException(code, e.getStatus().getDescription(), reason, e);
  }

  /** The tenant's limits: over its rate or its quota; null for any other status. */
  private static KvException refusal(StatusRuntimeException e, String reason) {
    if (e.getStatus().getCode() != Status.Code.RESOURCE_EXHAUSTED) {
      return null;
    }
    String description = e.getStatus().getDescription();
    if (TooManyRequestsException.REASON.equals(reason)) {
      return new TooManyRequestsException(description, retryDelay(e), e);
    }
    if (QuotaExceededException.REASON.equals(reason)) {
      return new QuotaExceededException(description, e);
    }
    return null;
  }

  /** The delay of the first {@code google.rpc.RetryInfo} in the status details, or zero. */
  static Duration retryDelay(StatusRuntimeException e) {
    com.google.rpc.Status details = StatusProto.fromThrowable(e);
    if (details == null) {
      return Duration.ZERO;
    }
    for (Any any : details.getDetailsList()) {
      if (any.is(RetryInfo.class)) {
        try {
          com.google.protobuf.Duration d = any.unpack(RetryInfo.class).getRetryDelay();
          return Duration.ofSeconds(d.getSeconds(), d.getNanos());
        } catch (InvalidProtocolBufferException ignored) {
          return Duration.ZERO;
        }
      }
    }
    return Duration.ZERO;
  }

  /** The reason of the first {@code google.rpc.ErrorInfo} in the status details, or null. */
  static String reason(StatusRuntimeException e) {
    com.google.rpc.Status details = StatusProto.fromThrowable(e);
    if (details == null) {
      return null;
    }
    for (Any any : details.getDetailsList()) {
      if (any.is(ErrorInfo.class)) {
        try {
          return any.unpack(ErrorInfo.class).getReason();
        } catch (InvalidProtocolBufferException ignored) {
          // A garbled detail carries no reason we could trust; treat it as absent.
          return null;
        }
      }
    }
    return null;
  }
}
