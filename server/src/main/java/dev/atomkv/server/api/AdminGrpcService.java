package dev.atomkv.server.api;

import com.google.protobuf.ByteString;
import dev.atomkv.proto.v1.AddMemberRequest;
import dev.atomkv.proto.v1.AddMemberResponse;
import dev.atomkv.proto.v1.AdminServiceGrpc;
import dev.atomkv.proto.v1.BackupRequest;
import dev.atomkv.proto.v1.BackupResponse;
import dev.atomkv.proto.v1.ClusterStatusRequest;
import dev.atomkv.proto.v1.ClusterStatusResponse;
import dev.atomkv.proto.v1.CreateTenantRequest;
import dev.atomkv.proto.v1.CreateTenantResponse;
import dev.atomkv.proto.v1.DeleteTenantRequest;
import dev.atomkv.proto.v1.DeleteTenantResponse;
import dev.atomkv.proto.v1.DescribeTenantRequest;
import dev.atomkv.proto.v1.DescribeTenantResponse;
import dev.atomkv.proto.v1.IssueTokenRequest;
import dev.atomkv.proto.v1.IssueTokenResponse;
import dev.atomkv.proto.v1.ListTenantsRequest;
import dev.atomkv.proto.v1.ListTenantsResponse;
import dev.atomkv.proto.v1.ListTokensRequest;
import dev.atomkv.proto.v1.ListTokensResponse;
import dev.atomkv.proto.v1.RevokeTokenRequest;
import dev.atomkv.proto.v1.RevokeTokenResponse;
import dev.atomkv.proto.v1.SetTenantLimitsRequest;
import dev.atomkv.proto.v1.SetTenantLimitsResponse;
import dev.atomkv.proto.v1.RemoveMemberRequest;
import dev.atomkv.proto.v1.RemoveMemberResponse;
import dev.atomkv.proto.v1.TransferLeadershipRequest;
import dev.atomkv.proto.v1.TransferLeadershipResponse;
import dev.atomkv.server.engine.BackupResult;
import dev.atomkv.server.engine.ClusterControl;
import dev.atomkv.server.engine.ClusterStatus;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.tenant.TenantSettings;
import dev.atomkv.server.tenant.TenantRegistry;
import io.grpc.stub.StreamObserver;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;

/**
 * Server administration. A backup runs on the calling gRPC worker in a read transaction of its
 * own, never on the writer; the cluster status is the called member's own view; membership
 * changes and leadership transfer block the calling worker until the leader has answered (at most
 * a few seconds).
 */
public final class AdminGrpcService extends AdminServiceGrpc.AdminServiceImplBase {
  private final KvEngine engine;
  private final TenantAdminCalls tenants;

  public AdminGrpcService(KvEngine engine, TenantRegistry registry) {
    this.engine = engine;
    this.tenants = new TenantAdminCalls(registry, engine);
  }

  // ---- tenants (TenantAdminCalls judges who may) ------------------------------------------------

  @Override
  public void createTenant(CreateTenantRequest req, StreamObserver<CreateTenantResponse> out) {
    answer(out, () -> {
      TenantAdminCalls.requireServerAdmin();
      TenantSettings created = tenants.registry().create(req.getName());
      if (req.hasLimits()) {
        created = tenants.setLimits(req.getName(), req.getLimits());
      }
      return CreateTenantResponse.newBuilder().setTenant(tenants.toProto(created)).build();
    });
  }

  @Override
  public void listTenants(ListTenantsRequest req, StreamObserver<ListTenantsResponse> out) {
    answer(out, () -> {
      TenantAdminCalls.requireServerAdmin();
      ListTenantsResponse.Builder resp = ListTenantsResponse.newBuilder();
      tenants.registry().list().forEach(t -> resp.addTenants(tenants.toProto(t)));
      return resp.build();
    });
  }

  @Override
  public void describeTenant(DescribeTenantRequest req,
      StreamObserver<DescribeTenantResponse> out) {
    answer(out, () -> DescribeTenantResponse.newBuilder().setTenant(tenants.toProto(
        tenants.registry().existing(TenantAdminCalls.scoped(req.getName())))).build());
  }

  @Override
  public void deleteTenant(DeleteTenantRequest req, StreamObserver<DeleteTenantResponse> out) {
    answer(out, () -> {
      TenantAdminCalls.requireServerAdmin();
      tenants.registry().delete(req.getName());
      return DeleteTenantResponse.getDefaultInstance();
    });
  }

  @Override
  public void setTenantLimits(SetTenantLimitsRequest req,
      StreamObserver<SetTenantLimitsResponse> out) {
    answer(out, () -> {
      TenantAdminCalls.requireServerAdmin();
      return SetTenantLimitsResponse.newBuilder().setTenant(tenants.toProto(
          tenants.setLimits(req.getName(), req.getLimits()))).build();
    });
  }

  @Override
  public void issueToken(IssueTokenRequest req, StreamObserver<IssueTokenResponse> out) {
    answer(out, () -> {
      TenantRegistry.IssuedToken issued = tenants.registry().issue(
          TenantAdminCalls.scoped(req.getTenant()), TenantAdminCalls.role(req.getRole()));
      return IssueTokenResponse.newBuilder().setToken(issued.token())
          .setInfo(TenantAdminCalls.toProto(issued.grant())).build();
    });
  }

  @Override
  public void listTokens(ListTokensRequest req, StreamObserver<ListTokensResponse> out) {
    answer(out, () -> {
      String tenant = TenantAdminCalls.scoped(req.getTenant());
      tenants.registry().existing(tenant);
      ListTokensResponse.Builder resp = ListTokensResponse.newBuilder();
      tenants.registry().tokens(tenant).forEach(g -> resp.addTokens(TenantAdminCalls.toProto(g)));
      return resp.build();
    });
  }

  @Override
  public void revokeToken(RevokeTokenRequest req, StreamObserver<RevokeTokenResponse> out) {
    answer(out, () -> {
      if (req.getId().isEmpty()) {
        throw KvException.invalid("id is required");
      }
      tenants.registry().revoke(TenantAdminCalls.scoped(req.getTenant()), req.getId());
      return RevokeTokenResponse.getDefaultInstance();
    });
  }

  private static <T> void answer(StreamObserver<T> out, java.util.function.Supplier<T> call) {
    T response;
    try {
      response = call.get();
    } catch (RuntimeException e) {
      out.onError(StatusMapper.toStatus(e));
      return;
    }
    out.onNext(response);
    out.onCompleted();
  }

  @Override
  public void backup(BackupRequest req, StreamObserver<BackupResponse> out) {
    try {
      TenantAdminCalls.requireServerAdmin();
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
      TenantAdminCalls.requireServerAdmin();
      ClusterStatus status = engine.clusterStatus();
      if (status == null) {
        throw notAMember();
      }
      out.onNext(toProto(status));
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(StatusMapper.toStatus(e));
    }
  }

  @Override
  public void addMember(AddMemberRequest req, StreamObserver<AddMemberResponse> out) {
    try {
      TenantAdminCalls.requireServerAdmin();
      if (req.getId().isEmpty() || req.getRaftAddress().isEmpty()) {
        throw KvException.invalid("id and raft_address are required");
      }
      ClusterStatus status = control().addMember(req.getId(), req.getRaftAddress());
      out.onNext(AddMemberResponse.newBuilder().addAllMemberIds(ids(status)).build());
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(StatusMapper.toStatus(e));
    }
  }

  @Override
  public void removeMember(RemoveMemberRequest req, StreamObserver<RemoveMemberResponse> out) {
    try {
      TenantAdminCalls.requireServerAdmin();
      if (req.getId().isEmpty()) {
        throw KvException.invalid("id is required");
      }
      ClusterStatus status = control().removeMember(req.getId());
      out.onNext(RemoveMemberResponse.newBuilder().addAllMemberIds(ids(status)).build());
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(StatusMapper.toStatus(e));
    }
  }

  @Override
  public void transferLeadership(TransferLeadershipRequest req,
      StreamObserver<TransferLeadershipResponse> out) {
    try {
      TenantAdminCalls.requireServerAdmin();
      if (req.getId().isEmpty()) {
        throw KvException.invalid("id is required");
      }
      control().transferLeadership(req.getId());
      out.onNext(TransferLeadershipResponse.newBuilder().setLeaderId(req.getId()).build());
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(StatusMapper.toStatus(e));
    }
  }

  private ClusterControl control() {
    ClusterControl control = engine.cluster();
    if (control == null) {
      throw notAMember();
    }
    return control;
  }

  private static KvException notAMember() {
    return new KvException(ErrorKind.FAILED_PRECONDITION,
        "this server is not a cluster member (started without --cluster-id)");
  }

  private static List<String> ids(ClusterStatus status) {
    return status.members().stream().map(ClusterStatus.Member::id).toList();
  }

  private static ClusterStatusResponse toProto(ClusterStatus status) {
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
      ClusterStatusResponse.Member.Builder mb = ClusterStatusResponse.Member.newBuilder()
          .setId(m.id())
          .setRaftAddress(m.raftAddress())
          .setRole(m.role());
      if (m.matchIndex() >= 0) {
        mb.setMatchIndex(m.matchIndex());
      }
      if (m.lag() >= 0) {
        mb.setLag(m.lag());
      }
      if (m.commitIndex() >= 0) {
        mb.setCommitIndex(m.commitIndex());
      }
      if (m.appliedIndex() >= 0) {
        mb.setAppliedIndex(m.appliedIndex());
      }
      if (m.lastContactMs() >= 0) {
        mb.setLastContactMs(m.lastContactMs());
      }
      b.addMembers(mb);
    }
    return b.build();
  }
}
