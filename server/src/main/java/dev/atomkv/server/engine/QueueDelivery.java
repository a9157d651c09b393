package dev.atomkv.server.engine;

import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.Versionstamp;

/**
 * One queue message handed to one listener, under a lease.
 *
 * @param leaseId names this delivery when it is settled ({@link KvEngine#ack})
 * @param attempt 1 for the first delivery, then one more for each redelivery
 * @param leaseExpiresAtMs Unix milliseconds when an unsettled delivery counts as failed
 * @param versionstamp of the commit that enqueued the message
 */
public record QueueDelivery(String leaseId, Value payload, int attempt, long leaseExpiresAtMs,
    Versionstamp versionstamp) {}
