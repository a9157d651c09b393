package dev.atomkv.server.raft;

import dev.atomkv.server.engine.LogPosition;
import dev.atomkv.server.engine.ReplicaStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Iterator;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.ratis.thirdparty.io.grpc.CallOptions;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.MethodDescriptor;
import org.apache.ratis.thirdparty.io.grpc.ServerServiceDefinition;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.StatusRuntimeException;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyChannelBuilder;
import org.apache.ratis.thirdparty.io.grpc.stub.ClientCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.ServerCallStreamObserver;
import org.apache.ratis.thirdparty.io.grpc.stub.ServerCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies a member's store to another member over the Raft port: a service added to Ratis's own
 * gRPC server (every member already knows every other's Raft address from the group), built on
 * Ratis's shaded gRPC so that the Raft layer needs nothing of the edge's. The sender streams as
 * fast as the receiver takes it (gRPC's flow control: a frame goes out only while the call is
 * ready); the receiver writes the file, checks it and syncs it before anyone installs it.
 */
final class SnapshotTransfer {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotTransfer.class);
  /** How long one copy may take end to end: generous, a store of many GiB over a slow link. */
  static final long COPY_DEADLINE_MS = TimeUnit.HOURS.toMillis(1);

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

  static final MethodDescriptor<byte[], byte[]> COPY =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
          .setFullMethodName(MethodDescriptor.generateFullMethodName("atomkv.raft.StoreCopy",
              "Copy"))
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(BYTES)
          .build();

  private SnapshotTransfer() {}

  /**
   * The service that sends this member's store: each call makes a fresh consistent copy in
   * {@code staging} (on {@code executor}, one at a time) and streams it.
   */
  static ServerServiceDefinition service(ReplicaStore store, Path staging,
      ExecutorService executor) {
    AtomicLong copies = new AtomicLong();
    return ServerServiceDefinition.builder(COPY.getServiceName())
        .addMethod(COPY, ServerCalls.asyncServerStreamingCall(
            (byte[] request, StreamObserver<byte[]> observer) -> {
              Outgoing out = new Outgoing(store,
                  staging.resolve("out-" + copies.incrementAndGet()),
                  (ServerCallStreamObserver<byte[]>) observer);
              executor.execute(out::prepare);
            }))
        .build();
  }

  /** One copy being sent. Frames go out from gRPC's ready callbacks, never faster. */
  private static final class Outgoing {
    private final ReplicaStore store;
    private final Path dir;
    private final ServerCallStreamObserver<byte[]> call;
    private SnapshotFrames.Sender sender;
    private InputStream in;
    private boolean finished;

    Outgoing(ReplicaStore store, Path dir, ServerCallStreamObserver<byte[]> call) {
      this.store = store;
      this.dir = dir;
      this.call = call;
      call.setOnReadyHandler(this::pump);
      call.setOnCancelHandler(this::finish);
    }

    void prepare() {
      try {
        synchronized (this) {
          if (finished) {
            return;
          }
        }
        Files.createDirectories(dir);
        LogPosition position = store.copyTo(dir);
        Path file = dir.resolve(ReplicaStore.COPY_FILE);
        long size = Files.size(file);
        LOG.info("sending a store copy: index={} bytes={}", position.index(), size);
        synchronized (this) {
          if (finished) {
            return;
          }
          in = Files.newInputStream(file);
          sender = new SnapshotFrames.Sender(position, size, in);
        }
        pump();
      } catch (IOException | RuntimeException e) {
        LOG.warn("could not make a store copy for a peer", e);
        fail(e);
      }
    }

    synchronized void pump() {
      if (sender == null || finished) {
        return;
      }
      try {
        while (call.isReady()) {
          byte[] frame = sender.next();
          if (frame == null) {
            call.onCompleted();
            finish();
            return;
          }
          call.onNext(frame);
        }
      } catch (IOException | RuntimeException e) {
        LOG.warn("sending a store copy failed", e);
        fail(e);
      }
    }

    private synchronized void fail(Exception e) {
      if (!finished) {
        call.onError(Status.UNAVAILABLE.withDescription("store copy failed: " + e)
            .asRuntimeException());
      }
      finish();
    }

    private synchronized void finish() {
      finished = true;
      try {
        if (in != null) {
          in.close();
        }
      } catch (IOException e) {
        LOG.debug("closing a sent copy", e);
      }
      deleteTree(dir);
    }
  }

  /**
   * Receives a copy of {@code address}'s store into the empty directory {@code dir}, checks it
   * and syncs it to disk.
   *
   * @return the log position the copy holds
   */
  static LogPosition fetch(String address, Path dir) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve(ReplicaStore.COPY_FILE);
    HostPort peer = HostPort.parse(address, "the member's Raft address");
    ManagedChannel channel = NettyChannelBuilder.forAddress(peer.host(), peer.port())
        .usePlaintext()
        .maxInboundMessageSize(SnapshotFrames.CHUNK_BYTES + 1024)
        .build();
    try {
      LogPosition position;
      try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW)) {
        SnapshotFrames.Receiver receiver = new SnapshotFrames.Receiver(out);
        Iterator<byte[]> frames = ClientCalls.blockingServerStreamingCall(channel, COPY,
            CallOptions.DEFAULT.withDeadlineAfter(COPY_DEADLINE_MS, TimeUnit.MILLISECONDS),
            new byte[0]);
        while (frames.hasNext()) {
          receiver.accept(frames.next());
        }
        position = receiver.verified();
      } catch (StatusRuntimeException e) {
        throw new IOException("store copy from " + address + " failed: " + e.getStatus(), e);
      }
      try (FileChannel written = FileChannel.open(file, StandardOpenOption.WRITE)) {
        written.force(true);
      }
      return position;
    } finally {
      // Also cancels the call if the copy was abandoned half way.
      channel.shutdownNow();
    }
  }

  /** Removes a directory and what it holds; a leftover is logged, not fatal. */
  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      LOG.warn("could not remove a store copy: dir={}", dir, e);
    }
  }
}
