package dev.atomkv.server.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto;
import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto.AppendResult;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftGroupIdProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.proto.RaftProtos.TermIndexProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower, with this member's Raft settings, fed appends as a leader's stream delivers them
 * after an inconsistency: the same first index sent again, with more entries, while the first try
 * is still being written. The leader takes an answer's match index as entries held, and no later
 * answer lowers it, so a follower must not answer for entries its log does not hold.
 */
class FollowerAppendTest {
  private static final long TERM = 1;
  private static final ClientId CLIENT = ClientId.randomId();

  @TempDir
  Path dir;

  private final AtomicLong callId = new AtomicLong();

  @Test
  @Timeout(120)
  void anAppendResentWithMoreEntriesIsAnsweredOnlyForEntriesTheLogHolds() throws Exception {
    int port = freePort();
    ClusterSettings settings = new ClusterSettings("appends", "f", "127.0.0.1:" + port,
        Map.of("l", "127.0.0.1:" + freePort(), "f", "127.0.0.1:" + port), 60_000, false,
        1_000_000, 8 << 20, 16, 4);
    RaftGroupId groupId = RaftGroupId.valueOf(settings.clusterUuid());
    List<RaftPeer> peers = settings.peers().entrySet().stream()
        .map(p -> RaftPeer.newBuilder().setId(p.getKey()).setAddress(p.getValue()).build())
        .toList();
    RaftServer server = RaftServer.newBuilder()
        .setServerId(RaftPeerId.valueOf("f"))
        .setGroup(RaftGroup.valueOf(groupId, peers))
        .setProperties(RaftNode.properties(settings, dir.resolve("raft")))
        .setStateMachine(new BaseStateMachine())
        .setOption(RaftStorage.StartupOption.FORMAT)
        .build();
    try {
      server.start();
      RaftLog log = server.getDivision(groupId).getRaftLog();
      AppendEntriesReplyProto start = server.appendEntriesAsync(append(groupId, -1, 0, 4))
          .get(30, TimeUnit.SECONDS);
      assertEquals(AppendResult.SUCCESS, start.getResult(), start.toString());

      long next = 5;
      for (int round = 0; round < 40; round++) {
        // The first try and its resend, one entry longer, both on their way at once.
        CompletableFuture<AppendEntriesReplyProto> first =
            server.appendEntriesAsync(append(groupId, next - 1, next, next + 4));
        CompletableFuture<AppendEntriesReplyProto> resent =
            server.appendEntriesAsync(append(groupId, next - 1, next, next + 5));
        for (AppendEntriesReplyProto reply : List.of(first.get(30, TimeUnit.SECONDS),
            resent.get(30, TimeUnit.SECONDS))) {
          assertEquals(AppendResult.SUCCESS, reply.getResult(), reply.toString());
          long last = log.getLastEntryTermIndex().getIndex();
          assertTrue(last >= reply.getMatchIndex(), "round " + round + ": answered match index "
              + reply.getMatchIndex() + " while the log ends at " + last);
        }
        next += 6;
      }
      // The next append, from where the leader believes the follower's log ends, is taken.
      AppendEntriesReplyProto after = server.appendEntriesAsync(append(groupId, next - 1, next,
          next)).get(30, TimeUnit.SECONDS);
      assertEquals(AppendResult.SUCCESS, after.getResult(), after.toString());
    } finally {
      server.close();
    }
  }

  /** An append of term {@value #TERM} from leader l of entries first..last after previous. */
  private AppendEntriesRequestProto append(RaftGroupId groupId, long previous, long first,
      long last) {
    AppendEntriesRequestProto.Builder b = AppendEntriesRequestProto.newBuilder()
        .setServerRequest(RaftRpcRequestProto.newBuilder()
            .setRequestorId(ByteString.copyFromUtf8("l"))
            .setReplyId(ByteString.copyFromUtf8("f"))
            .setRaftGroupId(RaftGroupIdProto.newBuilder().setId(groupId.toByteString()))
            .setCallId(callId.incrementAndGet()))
        .setLeaderTerm(TERM);
    if (previous >= 0) {
      b.setPreviousLog(TermIndexProto.newBuilder().setTerm(TERM).setIndex(previous));
    }
    for (long i = first; i <= last; i++) {
      b.addEntries(LogEntryProto.newBuilder().setTerm(TERM).setIndex(i)
          .setStateMachineLogEntry(StateMachineLogEntryProto.newBuilder()
              .setClientId(CLIENT.toByteString())
              .setCallId(i)
              .setLogData(ByteString.copyFromUtf8("entry " + i))));
    }
    return b.build();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
