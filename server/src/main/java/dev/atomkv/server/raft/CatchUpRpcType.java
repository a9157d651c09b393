package dev.atomkv.server.raft;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;

/**
 * Ratis over gRPC, as {@code raft.rpc.type=GRPC} gives it, except that the leader sends the log
 * through {@link CatchUpLogAppender}. Ratis finds this class by its name in the server's
 * properties and makes it with the public no-argument constructor.
 */
public final class CatchUpRpcType implements RpcType {
  @Override
  public String name() {
    return CatchUpRpcType.class.getName();
  }

  @Override
  public RpcFactory newFactory(Parameters parameters) {
    return new GrpcFactory(parameters) {
      @Override
      public LogAppender newLogAppender(RaftServer.Division server, LeaderState state,
          FollowerInfo follower) {
        return new CatchUpLogAppender(server, state, follower);
      }
    };
  }
}
