package dev.atomkv.server.api;

import com.google.protobuf.ByteString;
import dev.atomkv.proto.v1.AdminServiceGrpc;
import dev.atomkv.proto.v1.BackupRequest;
import dev.atomkv.proto.v1.BackupResponse;
import dev.atomkv.server.engine.BackupResult;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.model.KvException;
import io.grpc.stub.StreamObserver;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Server administration. A backup runs on the calling gRPC worker in a read transaction of its
 * own, never on the writer.
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
}
