package dev.atomkv.bench.core;

/** One kind of call the load loop issues again and again. */
@FunctionalInterface
public interface AsyncOp {
  /**
   * Starts one call without blocking and arranges for {@code done} to be told exactly once how
   * it ended, on whatever thread the client library completes it on.
   */
  void start(Completion done);

  /** Receives the end of one call. */
  interface Completion {
    void complete(Outcome outcome, Throwable error);
  }
}
