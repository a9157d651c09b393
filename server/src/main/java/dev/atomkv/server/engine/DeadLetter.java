package dev.atomkv.server.engine;

import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.Versionstamp;
import java.util.List;

/**
 * A queue message given up on: its last delivery failed (or its lease ran out) with no retry left
 * in its backoff schedule.
 *
 * @param enqueuedAt the versionstamp of the commit that enqueued it
 * @param gaveUpAtMs when it was given up on (the writer's clock; on a cluster, the log entry's)
 * @param deliveries how often it had been handed to a listener
 * @param payload its value, or null when it was larger than {@link DeadLetterLog#MAX_KEPT_PAYLOAD}
 * @param payloadBytes the size of its value
 * @param keysIfUndelivered the keys its payload was written to; empty when it had none, and the
 *     message is then gone but for this record
 * @param writtenAt the versionstamp of that write; null when there were no keys
 */
public record DeadLetter(Versionstamp enqueuedAt, long gaveUpAtMs, int deliveries, Value payload,
    int payloadBytes, List<byte[]> keysIfUndelivered, Versionstamp writtenAt) {
  public DeadLetter {
    keysIfUndelivered = List.copyOf(keysIfUndelivered);
  }
}
