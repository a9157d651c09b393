package dev.atomkv.client;

/**
 * Handles queue messages for {@link KvClient#listenQueue}. Returning acknowledges the message as
 * handled; throwing reports a failure, and the server delivers it again after its next backoff
 * interval. Delivery is at least once: a handler whose effect must happen once guards it, e.g.
 * with a check on a nonce key committed together with the effect.
 */
@FunctionalInterface
public interface QueueHandler {
  void handle(QueueMessage message) throws Exception;
}
