package dev.atomkv.server.engine;

/** A registered queue listener. */
public interface QueueSubscription extends AutoCloseable {
  /**
   * Stops deliveries to this listener; every message it holds unsettled counts as failed (it is
   * redelivered after its next backoff interval). Idempotent.
   */
  @Override
  void close();
}
