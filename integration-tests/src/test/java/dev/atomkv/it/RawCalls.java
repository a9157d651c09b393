package dev.atomkv.it;

import dev.atomkv.proto.v1.KvServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/**
 * KvService calls whose request and response are raw bytes, so a test can send what no generated
 * client would. Not a test class.
 */
final class RawCalls {
  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private RawCalls() {}

  /**
   * Calls KvService method {@code rpc} ("Get", "List", "Atomic") with {@code request} as the
   * message bytes; returns the response message bytes or throws StatusRuntimeException.
   */
  static byte[] call(Channel channel, String rpc, byte[] request, long timeoutSeconds) {
    MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(KvServiceGrpc.SERVICE_NAME, rpc))
        .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
    return ClientCalls.blockingUnaryCall(channel, method,
        CallOptions.DEFAULT.withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS), request);
  }
}
