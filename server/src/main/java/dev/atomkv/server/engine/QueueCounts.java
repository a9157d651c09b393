package dev.atomkv.server.engine;

/**
 * The queue's messages by state, as one store holds them at one instant.
 *
 * @param ready waiting messages due now: delivered as soon as a listener has room
 * @param delayed waiting messages whose delivery time (an enqueue delay, or a retry's backoff)
 *     is still ahead
 * @param inFlight messages handed to a listener and not yet settled
 * @param exact false when more than the counting bound were ready: {@code ready} is then the
 *     bound (there are at least that many) and {@code delayed} the most there can be
 */
public record QueueCounts(long ready, long delayed, long inFlight, boolean exact) {}
