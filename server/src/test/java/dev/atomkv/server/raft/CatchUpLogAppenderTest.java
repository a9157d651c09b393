package dev.atomkv.server.raft;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.ServerFactory;
import org.junit.jupiter.api.Test;

class CatchUpLogAppenderTest {
  @Test
  void aFollowerThatSaidItHoldsEverythingBeforeTheLogsStartGetsTheLog() {
    // The leader's log starts at 16; the follower answered a notification with its snapshot at 15.
    assertTrue(CatchUpLogAppender.holdsEverythingBeforeTheLog(16, 15, 16));
    // Further on in the log as well.
    assertTrue(CatchUpLogAppender.holdsEverythingBeforeTheLog(40, 39, 16));
  }

  @Test
  void anyOtherFollowerIsLeftToRatis() {
    // It never answered a notification.
    assertFalse(CatchUpLogAppender.holdsEverythingBeforeTheLog(16, 0, 16));
    // Its next entry is before the log's start: only a copy can help.
    assertFalse(CatchUpLogAppender.holdsEverythingBeforeTheLog(10, 9, 16));
    // It reported a snapshot once but has moved on (or back) since.
    assertFalse(CatchUpLogAppender.holdsEverythingBeforeTheLog(30, 15, 16));
  }

  @Test
  void ratisBuildsTheServerFactoryFromTheTypesName() {
    RaftProperties properties = new RaftProperties();
    RaftConfigKeys.Rpc.setType(properties, new CatchUpRpcType());
    RpcType type = RaftConfigKeys.Rpc.type(properties, s -> { });
    assertTrue(type instanceof CatchUpRpcType, type.toString());
    assertTrue(ServerFactory.cast(type.newFactory(new Parameters())) != null);
  }
}
