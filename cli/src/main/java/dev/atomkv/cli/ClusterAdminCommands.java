package dev.atomkv.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import dev.atomkv.proto.v1.AddMemberRequest;
import dev.atomkv.proto.v1.AdminServiceGrpc;
import dev.atomkv.proto.v1.RemoveMemberRequest;
import dev.atomkv.proto.v1.TransferLeadershipRequest;
import java.io.PrintWriter;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Membership changes and leadership transfer, sent to any member of the --target cluster. */
final class ClusterAdminCommands {
  private ClusterAdminCommands() {}

  abstract static class AdminBase extends Cli.Base {
    AdminServiceGrpc.AdminServiceBlockingStub admin() {
      return AdminServiceGrpc.newBlockingStub(cli.channel())
          .withDeadlineAfter(cli.deadline().toMillis(), TimeUnit.MILLISECONDS);
    }

    static void print(PrintWriter out, MessageOrBuilder reply)
        throws InvalidProtocolBufferException {
      out.println(JsonFormat.printer().omittingInsignificantWhitespace().print(reply));
    }
  }

  @Command(
      name = "cluster-add-member",
      mixinStandardHelpOptions = true,
      description = {
        "Adds a member as a learner; the leader makes it a voter once it has caught up",
        "(cluster-status then shows it as FOLLOWER). Start its server with --join first.",
        "Prints {\"memberIds\":[\"n1\",\"n2\",\"n3\",\"n4\"]}. Exit code 1 if the id or address",
        "is a member's already, another change is in progress, or there is no quorum."
      })
  static final class AddMember extends AdminBase {
    @Parameters(index = "0", paramLabel = "ID", description = "The new member's --node-id.")
    String id;

    @Parameters(index = "1", paramLabel = "RAFT_ADDRESS",
        description = "Its Raft address (host:port), as the other members reach it.")
    String raftAddress;

    @Override
    int run(PrintWriter out) throws InvalidProtocolBufferException {
      print(out, admin().addMember(AddMemberRequest.newBuilder().setId(id)
          .setRaftAddress(raftAddress).build()));
      return 0;
    }
  }

  @Command(
      name = "cluster-remove-member",
      mixinStandardHelpOptions = true,
      description = {
        "Removes a member (voter or learner) from the cluster; then stop its server.",
        "Prints {\"memberIds\":[...]} after the change. Exit code 1 for an unknown id, the",
        "last voter, another change in progress, or no quorum."
      })
  static final class RemoveMember extends AdminBase {
    @Parameters(index = "0", paramLabel = "ID", description = "The member's --node-id.")
    String id;

    @Override
    int run(PrintWriter out) throws InvalidProtocolBufferException {
      print(out, admin().removeMember(RemoveMemberRequest.newBuilder().setId(id).build()));
      return 0;
    }
  }

  @Command(
      name = "cluster-transfer-leader",
      mixinStandardHelpOptions = true,
      description = {
        "Makes the named voter the leader and waits until it leads.",
        "Prints {\"leaderId\":\"n2\"}. Exit code 1 for an unknown id, a learner, or a transfer",
        "that did not finish in time."
      })
  static final class TransferLeader extends AdminBase {
    @Parameters(index = "0", paramLabel = "ID", description = "The voter that should lead.")
    String id;

    @Override
    int run(PrintWriter out) throws InvalidProtocolBufferException {
      print(out, admin().transferLeadership(
          TransferLeadershipRequest.newBuilder().setId(id).build()));
      return 0;
    }
  }
}
