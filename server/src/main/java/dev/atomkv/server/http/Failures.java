package dev.atomkv.server.http;

import dev.atomkv.server.model.KvException;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * The part of turning a failure into an HTTP answer that does not depend on the edge: a commit's
 * failure arrives wrapped, an edge's own refusal is answered as it is, and anything that is not a
 * {@link KvException} the edge maps is a fault of the server's, logged here and answered as an
 * internal error so that no stack trace reaches a client. Which status each kind of refusal gets
 * stays the edge's decision: the clients of each read them differently.
 */
public final class Failures {
  private Failures() {}

  /**
   * @param answer the edge's failure type; an instance of it is returned unchanged
   * @param log the edge's logger, so its lines keep the edge's name
   * @param edge how log lines name the edge ("console", "KV Connect")
   * @param known the edge's answer to a {@link KvException}, or null for a kind that is a fault
   * @param internal the edge's "internal error" answer
   */
  public static <F extends RuntimeException> F classify(Throwable t, Class<F> answer, Logger log,
      String edge, Function<KvException, F> known, Supplier<F> internal) {
    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    if (answer.isInstance(cause)) {
      return answer.cast(cause);
    }
    if (!(cause instanceof KvException e)) {
      log.error("unexpected " + edge + " failure", cause);
      return internal.get();
    }
    F mapped = known.apply(e);
    if (mapped == null) {
      log.error(edge + " internal failure: kind={} message={}", e.kind(), e.getMessage(), e);
      return internal.get();
    }
    return mapped;
  }
}
