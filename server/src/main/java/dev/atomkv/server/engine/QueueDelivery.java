package dev.atomkv.server.engine;

import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
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
    Versionstamp versionstamp) {

  /** The answer to an ack whose lease is no longer held, on a single node and in a cluster. */
  public static KvException leaseEnded() {
    return new KvException(ErrorKind.FAILED_PRECONDITION,
        "Queue message not found: the lease has ended (acknowledged, expired, or its "
            + "listener closed)");
  }
}
