package dev.atomkv.server.api;

import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import dev.atomkv.server.model.KvException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place that turns failures into gRPC statuses. No stack trace ever reaches a client. */
final class StatusMapper {
  /** ErrorInfo reason telling a client the request was never applied, so a retry is safe. */
  static final String NOT_APPLIED = "NOT_APPLIED";
  /** ErrorInfo reason telling a client its tenant is at a storage quota: a retry fails alike. */
  static final String QUOTA_EXCEEDED = "QUOTA_EXCEEDED";
  static final String DOMAIN = "atomkv.dev";

  private static final Logger LOG = LoggerFactory.getLogger(StatusMapper.class);

  private StatusMapper() {}

  static StatusRuntimeException toStatus(Throwable t) {
    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    if (cause instanceof StatusRuntimeException sre) {
      return sre;
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
