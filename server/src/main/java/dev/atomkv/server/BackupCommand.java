package dev.atomkv.server;

import dev.atomkv.proto.v1.AdminServiceGrpc;
import dev.atomkv.proto.v1.BackupRequest;
import dev.atomkv.proto.v1.BackupResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.PrintWriter;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code atomkv backup --to DIR}: asks a running server (AdminService/Backup; plaintext gRPC, or TLS with --tls-ca) for
 * an online backup into a directory on the server's filesystem, and prints where it went and which
 * versionstamp it ends at.
 */
@Command(name = "backup", mixinStandardHelpOptions = true, version = "atomkv 0.1.0",
    sortOptions = false, showDefaultValues = true,
    description = {"Writes an online, consistent backup of a running server's database.",
        "The directory is on the server's filesystem (a relative path is resolved against the "
            + "server's working directory); it must be empty or not exist yet. Restore by "
            + "starting a server with --data-dir set to it."})
final class BackupCommand implements Callable<Integer> {

  @Option(names = "--to", required = true, paramLabel = "DIR",
      description = "Backup directory on the server's filesystem.")
  String directory;

  @Option(names = "--target", defaultValue = "${ATOMKV_TARGET:-localhost:50051}",
      paramLabel = "HOST:PORT", description = "The server to back up. Env: ATOMKV_TARGET.")
  String target;

  @Option(names = "--token", defaultValue = "${ATOMKV_AUTH_TOKEN}", arity = "1",
      description = "Bearer token, when the server requires one (a read-write token). "
          + "Env: ATOMKV_AUTH_TOKEN.", showDefaultValue = CommandLine.Help.Visibility.NEVER)
  String token;

  @Option(names = "--tls-ca", paramLabel = "PEM",
      description = "Connect with TLS, trusting this CA certificate (PEM).")
  java.io.File tlsCa;

  @Option(names = "--timeout-s", defaultValue = "3600",
      description = "Seconds to wait for the backup to finish.")
  long timeoutSeconds;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ManagedChannel channel;
    try {
      channel = tlsCa == null
          ? NettyChannelBuilder.forTarget(target).usePlaintext().build()
          : NettyChannelBuilder.forTarget(target, io.grpc.TlsChannelCredentials.newBuilder()
              .trustManager(tlsCa).build()).build();
    } catch (java.io.IOException e) {
      err.println("backup failed: cannot read " + tlsCa + ": " + e.getMessage());
      err.flush();
      return 1;
    }
    try {
      AdminServiceGrpc.AdminServiceBlockingStub stub = AdminServiceGrpc.newBlockingStub(channel);
      if (token != null && !token.isBlank()) {
        io.grpc.Metadata headers = new io.grpc.Metadata();
        headers.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
            "Bearer " + token.strip());
        stub = stub.withInterceptors(
            io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers));
      }
      BackupResponse resp = stub
          .withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS)
          .backup(BackupRequest.newBuilder().setDirectory(directory).build());
      out.println("directory     " + resp.getDirectory());
      String versionstamp = HexFormat.of().formatHex(resp.getVersionstamp().toByteArray());
      out.println("versionstamp  " + versionstamp);
      out.println("size_bytes    " + Long.toUnsignedString(resp.getSizeBytes()));
      out.flush();
      return 0;
    } catch (StatusRuntimeException e) {
      err.println("backup failed: " + e.getStatus().getCode()
          + (e.getStatus().getDescription() == null ? "" : ": " + e.getStatus().getDescription()));
      err.flush();
      return 1;
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
