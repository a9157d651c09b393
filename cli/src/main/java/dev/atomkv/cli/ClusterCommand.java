package dev.atomkv.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.atomkv.proto.v1.AdminServiceGrpc;
import dev.atomkv.proto.v1.ClusterStatusRequest;
import dev.atomkv.proto.v1.ClusterStatusResponse;
import java.io.PrintWriter;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;

/** {@code atomkv cluster-status}: the --target node's view of its cluster. */
@Command(
    name = "cluster-status",
    mixinStandardHelpOptions = true,
    description = {
      "Prints the --target node's view of its cluster as one JSON line:",
      "{\"clusterId\":\"local\",\"nodeId\":\"n1\",\"leaderId\":\"n1\",\"term\":\"3\",\"role\":\"LEADER\",",
      "\"commitIndex\":\"42\",\"appliedIndex\":\"42\",\"members\":[{\"id\":\"n1\",\"raftAddress\":\"...\",",
      "\"role\":\"LEADER\",\"matchIndex\":\"42\",\"lag\":\"0\",...},...],\"snapshotIndex\":\"40\",",
      "\"snapshotInstalls\":\"1\"}",
      "(64-bit numbers are strings, as in proto3 JSON; a number that is 0 is absent). A member's",
      "role is LEADER, FOLLOWER or LEARNER; matchIndex, lag and lastContactMs of other members are",
      "known to the leader only: ask the leader for every member's progress. leaderId is absent",
      "while the node knows of no leader. Exit code 1 on a server that is not a cluster member."
    })
final class ClusterCommand extends Cli.Base {
  @Override
  int run(PrintWriter out) throws InvalidProtocolBufferException {
    ClusterStatusResponse status = AdminServiceGrpc.newBlockingStub(cli.channel())
        .withDeadlineAfter(cli.deadline().toMillis(), TimeUnit.MILLISECONDS)
        .clusterStatus(ClusterStatusRequest.getDefaultInstance());
    out.println(JsonFormat.printer().omittingInsignificantWhitespace().print(status));
    return 0;
  }
}
