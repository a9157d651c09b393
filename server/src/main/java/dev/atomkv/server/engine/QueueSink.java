package dev.atomkv.server.engine;

import dev.atomkv.server.model.KvException;

/**
 * Where a queue listener receives its messages. Calls come from one engine thread at a time and
 * must return quickly (hand the message on; never wait for its handling).
 */
public interface QueueSink {
  void deliver(QueueDelivery delivery);

  /** No more deliveries: the engine is stopping ({@code reason} says so). */
  void end(KvException reason);
}
