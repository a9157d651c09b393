package dev.atomkv.client;

/**
 * A queue message handed to a {@link QueueHandler}.
 *
 * @param payload the value as enqueued
 * @param attempt 1 for the first delivery, then one more for each redelivery
 * @param versionstamp of the commit that enqueued it
 */
public record QueueMessage(KvValue payload, int attempt, Versionstamp versionstamp) {}
