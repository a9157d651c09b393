package dev.atomkv.server.api;

import com.google.protobuf.ByteString;
import dev.atomkv.proto.v1.AdminServiceGrpc;
import dev.atomkv.proto.v1.BackupRequest;
import dev.atomkv.proto.v1.BackupResponse;
import dev.atomkv.proto.v1.ClusterStatusRequest;
import dev.atomkv.proto.v1.ClusterStatusResponse;
import dev.atomkv.server.engine.BackupResult;
import dev.atomkv.server.engine.ClusterStatus;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import io.grpc.stub.StreamObserver;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Server administration. A backup runs on the calling gRPC worker in a read transaction of its
 * own, never on the writer; the cluster status is the called member's own view.
 */
public final class AdminGrpcService extends AdminServiceGrpc.AdminServiceImplBase {
  private final KvEngine engine;

  public AdminGrpcService(KvEngine engine) {
    this.engine = engine;
  }

  @Override
  public void backup(BackupRequest req, StreamObserver<BackupResponse> out) {
    try {
      if (req.getDirectory().isEmpty()) {
        throw KvException.invalid("directory is required");
      }
      Path directory;
      try {
        directory = Path.of(req.getDirectory());
      } catch (InvalidPathException e) {
        throw KvException.invalid("directory is not a valid path: " + e.getReason());
      }
      BackupResult result = engine.backup(directory);
      out.onNext(BackupResponse.newBuilder()
          .setDirectory(result.directory().toString())
          .setVersionstamp(ByteString.copyFrom(result.versionstamp().toBytes()))
          .setSizeBytes(result.sizeBytes())
          .build());
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(StatusMapper.toStatus(e));
    }
  }

  @Override
  public void clusterStatus(ClusterStatusRequest req, StreamObserver<ClusterStatusResponse> out) {
    try {
      ClusterStatus status = engine.clusterStatus();
      if (status == null) {
        throw new KvException(ErrorKind.FAILED_PRECONDITION,
            "this server is not a cluster member (started without --cluster-id)");
      }
      ClusterStatusResponse.Builder b = ClusterStatusResponse.newBuilder()
          .setClusterId(status.clusterId())
          .setNodeId(status.nodeId())
          .setLeaderId(status.leaderId() == null ? "" : status.leaderId())
          .setTerm(status.term())
          .setRole(status.role())
          .setCommitIndex(status.commitIndex())
          .setAppliedIndex(status.appliedIndex())
          .setSnapshotIndex(status.snapshotIndex())
          .setSnapshotInstalls(status.snapshotInstalls());
      for (ClusterStatus.Member m : status.members()) {
        b.addMembers(ClusterStatusResponse.Member.newBuilder().setId(m.id())
            .setRaftAddress(m.raftAddress()));
      }
      out.onNext(b.build());
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(StatusMapper.toStatus(e));
    }
  }
}
