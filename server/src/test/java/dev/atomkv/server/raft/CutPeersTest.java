package dev.atomkv.server.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Set;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

class CutPeersTest {
  private static RaftRpcRequestProto from(String id) {
    return RaftRpcRequestProto.newBuilder().setRequestorId(ByteString.copyFromUtf8(id)).build();
  }

  @Test
  void eachRaftServerRequestNamesTheMemberItComesFrom() {
    assertEquals("n2", CutPeers.requestor(
        AppendEntriesRequestProto.newBuilder().setServerRequest(from("n2")).build()));
    assertEquals("n3", CutPeers.requestor(
        RequestVoteRequestProto.newBuilder().setServerRequest(from("n3")).build()));
    assertEquals("n1", CutPeers.requestor(
        ReadIndexRequestProto.newBuilder().setServerRequest(from("n1")).build()));
    // A Ratis client's request names a client, not a member: never cut.
    assertNull(CutPeers.requestor(
        RaftClientRequestProto.newBuilder().setRpcRequest(from("n2")).build()));
  }

  @Test
  void theFileNamesPeersByCommasOrWhiteSpace() {
    assertEquals(Set.of("n1", "n2", "n3"), CutPeers.parse("n1, n2\nn3\n"));
    assertEquals(Set.of(), CutPeers.parse(""));
    assertEquals(Set.of(), CutPeers.parse("  \n"));
  }
}
