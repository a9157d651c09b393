package dev.atomkv.reliability;

import dev.atomkv.client.AtomicOperation;
import dev.atomkv.client.CommitOutcomeUnknownException;
import dev.atomkv.client.CommitResult;
import dev.atomkv.client.KvException;
import dev.atomkv.client.Versionstamp;

/**
 * One Atomic call with its start and end on the client's monotonic clock.
 *
 * @param versionstamp of an acknowledged commit, else null
 */
record Attempt(Outcome outcome, Versionstamp versionstamp, long startNanos, long endNanos) {

  static Attempt commit(AtomicOperation op) {
    long start = System.nanoTime();
    Outcome outcome;
    Versionstamp vs = null;
    try {
      CommitResult r = op.commit();
      outcome = r.ok() ? Outcome.OK : Outcome.REFUSED;
      vs = r.ok() ? r.versionstamp() : null;
    } catch (CommitOutcomeUnknownException e) {
      outcome = Outcome.UNKNOWN;
    } catch (KvException e) {
      // The client's contract: a plain KvException from a commit means nothing was written.
      outcome = Outcome.REFUSED;
    }
    return new Attempt(outcome, vs, start, System.nanoTime());
  }
}
