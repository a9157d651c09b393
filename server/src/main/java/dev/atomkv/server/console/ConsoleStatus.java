package dev.atomkv.server.console;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.atomkv.server.engine.ClusterStatus;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.engine.QueueCounts;
import java.time.Clock;

/**
 * The console's read-only views of the server itself (docs/console.md): this member's view of
 * its cluster, and its queue's messages by state. Neither reads user data, so any valid token,
 * read-only included, may see them.
 */
final class ConsoleStatus {
  /**
   * Most due messages counted to tell ready from delayed: a page refreshing every few seconds
   * must not walk a large backlog each time; past this the answer says "at least".
   */
  static final int MAX_READY_COUNTED = 10_000;

  private final KvEngine engine;
  private final Clock clock;

  ConsoleStatus(KvEngine engine, Clock clock) {
    this.engine = engine;
    this.clock = clock;
  }

  /** {@code {"cluster": false}} on a single node, else this member's view of its cluster. */
  JsonObject cluster() {
    ClusterStatus s = engine.clusterStatus();
    JsonObject out = new JsonObject();
    out.addProperty("cluster", s != null);
    if (s == null) {
      return out;
    }
    out.addProperty("clusterId", s.clusterId());
    out.addProperty("nodeId", s.nodeId());
    nullable(out, "leaderId", s.leaderId());
    out.addProperty("term", s.term());
    out.addProperty("role", s.role());
    out.addProperty("commitIndex", s.commitIndex());
    out.addProperty("appliedIndex", s.appliedIndex());
    out.addProperty("snapshotIndex", s.snapshotIndex());
    out.addProperty("snapshotInstalls", s.snapshotInstalls());
    JsonArray members = new JsonArray();
    for (ClusterStatus.Member m : s.members()) {
      JsonObject member = new JsonObject();
      member.addProperty("id", m.id());
      member.addProperty("raftAddress", m.raftAddress());
      member.addProperty("role", m.role());
      figure(member, "matchIndex", m.matchIndex());
      figure(member, "lag", m.lag());
      figure(member, "commitIndex", m.commitIndex());
      figure(member, "appliedIndex", m.appliedIndex());
      figure(member, "lastContactMs", m.lastContactMs());
      members.add(member);
    }
    out.add("members", members);
    return out;
  }

  /** Ready, delayed and in-flight messages in this server's (this member's) store. */
  JsonObject queues() {
    QueueCounts c = engine.queueCounts(clock.millis(), MAX_READY_COUNTED);
    JsonObject out = new JsonObject();
    out.addProperty("ready", c.ready());
    out.addProperty("delayed", c.delayed());
    out.addProperty("inFlight", c.inFlight());
    out.addProperty("exact", c.exact());
    out.addProperty("cluster", engine.cluster() != null);
    return out;
  }

  private static void nullable(JsonObject out, String name, String value) {
    if (value == null) {
      out.add(name, JsonNull.INSTANCE);
    } else {
      out.addProperty(name, value);
    }
  }

  /** A figure the answering member does not know is null, not -1. */
  private static void figure(JsonObject out, String name, long value) {
    if (value == ClusterStatus.UNKNOWN) {
      out.add(name, JsonNull.INSTANCE);
    } else {
      out.addProperty(name, value);
    }
  }
}
