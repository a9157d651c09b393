package dev.atomkv.server.engine;

/** How a replicated lease is settled ({@link ReplicaStore#settleLease}). */
public enum QueueOutcome {
  /** Delivered: the message is removed. */
  ACKED,
  /** Failed: redelivered after its next backoff interval, or given up on. */
  FAILED,
  /** Never reached a listener: ready again at once, the delivery not counted. */
  RETURNED
}
