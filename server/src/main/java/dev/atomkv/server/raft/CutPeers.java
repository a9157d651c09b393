package dev.atomkv.server.raft;

import dev.atomkv.server.engine.FaultFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.thirdparty.io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A network partition a test draws inside the member, for fault tests that run without root: the
 * Raft requests (appends, votes, snapshot notices, ReadIndex, election starts) of the peers named
 * in a file are dropped on arrival, as a dropped link would lose them. Each member cuts what it
 * receives, so a link is cut both ways when both ends name each other, one way when one does.
 * Addresses play no part, so the cut holds whatever addresses the configuration carries.
 *
 * <p>Off unless the system property {@value #PROPERTY} names a file. The file holds peer ids
 * separated by commas or white space (empty or absent: nothing is cut) and is read again every
 * {@value FaultFiles#POLL_MS} ms. Requests of the members' Ratis clients (writes forwarded to the
 * leader) carry no member id and are not cut.
 */
final class CutPeers implements ServerInterceptor {
  /** The system property naming the file. */
  static final String PROPERTY = "atomkv.raft.cut-peers-file";
  private static final Logger LOG = LoggerFactory.getLogger(CutPeers.class);

  private final Path file;
  private volatile Set<String> cut = Set.of();

  private CutPeers(Path file) {
    this.file = file;
  }

  /** The filter the system property asks for, polling its file on a daemon thread; or none. */
  static Optional<CutPeers> fromSystemProperty() {
    String name = System.getProperty(PROPERTY);
    if (name == null || name.isBlank()) {
      return Optional.empty();
    }
    CutPeers filter = new CutPeers(Path.of(name));
    filter.reload();
    FaultFiles.poll("atomkv-cut-peers", filter::reload);
    LOG.warn("test partitions are on: Raft requests of the peers named in {} are refused", name);
    return Optional.of(filter);
  }

  private void reload() {
    Set<String> now;
    try {
      now = parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      now = Set.of();
    } catch (IOException e) {
      return; // being rewritten: keep the last cut
    }
    if (!now.equals(cut)) {
      LOG.info("Raft requests refused from: {}", now.isEmpty() ? "nobody" : now);
      cut = now;
    }
  }

  static Set<String> parse(String text) {
    return Arrays.stream(text.split("[,\\s]+")).filter(s -> !s.isEmpty())
        .collect(Collectors.toUnmodifiableSet());
  }

  /** The member a Raft server request comes from, or null for any other message. */
  static String requestor(Object message) {
    RaftRpcRequestProto r = null;
    if (message instanceof AppendEntriesRequestProto m) {
      r = m.getServerRequest();
    } else if (message instanceof RequestVoteRequestProto m) {
      r = m.getServerRequest();
    } else if (message instanceof InstallSnapshotRequestProto m) {
      r = m.getServerRequest();
    } else if (message instanceof ReadIndexRequestProto m) {
      r = m.getServerRequest();
    } else if (message instanceof StartLeaderElectionRequestProto m) {
      r = m.getServerRequest();
    }
    return r == null ? null : r.getRequestorId().toStringUtf8();
  }

  /**
   * A refused request is dropped, as a lost packet: the caller hears nothing and gives up on its
   * own deadline, or learns of the gap from the next request that does arrive (Raft's consistency
   * check). The stream keeps reading, so that the sender is not held by flow control, and carries
   * requests again once the link is mended. The call is never closed here: only Ratis answers on
   * it, from its own threads.
   */
  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
      @Override
      public void onMessage(Q message) {
        String from = requestor(message);
        if (from != null && cut.contains(from)) {
          call.request(1);
          return;
        }
        super.onMessage(message);
      }
    };
  }
}
