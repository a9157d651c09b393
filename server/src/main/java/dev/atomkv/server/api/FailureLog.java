package dev.atomkv.server.api;

import io.grpc.Status;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Log lines for failed calls, at most one per status code per interval: a client that sends
 * garbage in a loop would otherwise write one line per call. Each line counts the failures with
 * that code that were not logged since the previous line (of any method); the exact counts per
 * method are in {@code atomkv_rpc_requests_total}.
 */
final class FailureLog {
  static final long DEFAULT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final Logger log;
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final Window[] windows = new Window[Status.Code.values().length];

  /** Guarded by itself. */
  private static final class Window {
    boolean logged;
    long lastLineNanos;
    long suppressed;
  }

  FailureLog(Logger log, long intervalNanos, LongSupplier nanoTime) {
    this.log = log;
    this.intervalNanos = intervalNanos;
    this.nanoTime = nanoTime;
    for (int i = 0; i < windows.length; i++) {
      windows[i] = new Window();
    }
  }

  /** Records one call of {@code method} that ended with {@code code} (not OK). */
  void failed(String method, Status.Code code) {
    Window w = windows[code.ordinal()];
    long suppressed;
    synchronized (w) {
      long now = nanoTime.getAsLong();
      if (w.logged && now - w.lastLineNanos < intervalNanos) {
        w.suppressed++;
        return;
      }
      suppressed = w.suppressed;
      w.suppressed = 0;
      w.logged = true;
      w.lastLineNanos = now;
    }
    boolean warn = serverSide(code);
    if (suppressed == 0) {
      if (warn) {
        log.warn("rpc={} status={}", method, code);
      } else {
        log.info("rpc={} status={}", method, code);
      }
    } else if (warn) {
      log.warn("rpc={} status={} suppressed={}", method, code, suppressed);
    } else {
      log.info("rpc={} status={} suppressed={}", method, code, suppressed);
    }
  }

  /** Codes that point at the server (or its storage) rather than at the request. */
  static boolean serverSide(Status.Code code) {
    return switch (code) {
      case INTERNAL, UNKNOWN, DATA_LOSS, UNAVAILABLE, RESOURCE_EXHAUSTED, UNIMPLEMENTED -> true;
      default -> false;
    };
  }
}
