package dev.atomkv.bench.core;

/** How one call ended. Only {@link #OK} counts as throughput. */
public enum Outcome {
  /** The call succeeded (for a write: ok=true, the commit is acknowledged). */
  OK,
  /** The call returned normally but did not apply (a failed check: ok=false). */
  NOT_OK,
  /** The call failed with an error status or exception. */
  ERROR
}
