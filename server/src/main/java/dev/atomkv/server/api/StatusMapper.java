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
      case NOT_APPLIED:
        return notApplied(e.getMessage());
      case UNAVAILABLE:
        return Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException();
      default:
        LOG.error("internal failure: kind={} message={}", e.kind(), e.getMessage(), e);
        return Status.INTERNAL.withDescription("internal error").asRuntimeException();
    }
  }

  private static StatusRuntimeException notApplied(String message) {
    com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
        .setCode(Code.UNAVAILABLE_VALUE)
        .setMessage(message)
        .addDetails(com.google.protobuf.Any.pack(ErrorInfo.newBuilder()
            .setReason(NOT_APPLIED)
            .setDomain(DOMAIN)
            .build()))
        .build();
    return StatusProto.toStatusRuntimeException(status);
  }
}
