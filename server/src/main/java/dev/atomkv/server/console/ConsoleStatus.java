package dev.atomkv.server.console;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.atomkv.server.engine.ClusterStatus;
import dev.atomkv.server.engine.DeadLetter;
import dev.atomkv.server.engine.DeadLetterLog;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.engine.QueueCounts;
import java.time.Clock;

/**
 * The console's read-only views of the server itself (docs/console.md): this member's view of
 * its cluster, its queue's messages by state, and the messages it gave up on. They change
 * nothing, so any valid token, read-only included, may see them (a read-only token may read
 * every value anyway).
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

  /**
   * The last messages given up on (newest first), as this server recorded them: it keeps the
   * last {@link DeadLetterLog#CAPACITY} in memory, so a restart starts the list empty.
   */
  JsonObject deadLetters() {
    DeadLetterLog log = engine.deadLetters();
    JsonArray letters = new JsonArray();
    for (DeadLetter d : log.recent()) {
      JsonObject letter = new JsonObject();
      letter.addProperty("enqueuedAt", d.enqueuedAt().toString());
      letter.addProperty("gaveUpAtMs", d.gaveUpAtMs());
      letter.addProperty("deliveries", d.deliveries());
      letter.add("value", d.payload() == null ? JsonNull.INSTANCE : JsonValues.toJson(d.payload()));
      letter.addProperty("valueBytes", d.payloadBytes());
      JsonArray keys = new JsonArray();
      d.keysIfUndelivered().forEach(k -> keys.add(JsonKeys.toJson(k)));
      letter.add("keysIfUndelivered", keys);
      nullable(letter, "writtenAt", d.writtenAt() == null ? null : d.writtenAt().toString());
      letters.add(letter);
    }
    JsonObject out = new JsonObject();
    out.add("deadLetters", letters);
    out.addProperty("total", log.total());
    out.addProperty("capacity", DeadLetterLog.CAPACITY);
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
