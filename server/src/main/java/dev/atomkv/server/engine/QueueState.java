package dev.atomkv.server.engine;

/**
 * What a member's replica says about its queue at some instant, for deciding whether proposing
 * queue work is worth a log entry. The entry itself decides, at its own time.
 *
 * @param nextReadyAtMs the earliest ready time of a waiting message ({@link Long#MAX_VALUE} when
 *     none waits); a message is due when this is at or before now
 * @param nextLeaseExpiryMs the earliest expiry of a lease in flight ({@link Long#MAX_VALUE} when
 *     none is)
 */
public record QueueState(long nextReadyAtMs, long nextLeaseExpiryMs) {}
