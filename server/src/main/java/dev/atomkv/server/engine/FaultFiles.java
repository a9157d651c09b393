package dev.atomkv.server.engine;

/**
 * Files through which a fault test switches a running server (a partition, a clock step): the
 * server reads such a file again every {@value #POLL_MS} ms on a daemon thread, so a test changes
 * a member's state by rewriting a file, with no port or call of its own.
 */
public final class FaultFiles {
  /** How often a fault file is read again. */
  public static final long POLL_MS = 20;

  private FaultFiles() {}

  /** Runs {@code reload} every {@value #POLL_MS} ms on a daemon thread named {@code thread}. */
  public static void poll(String thread, Runnable reload) {
    Thread poller = new Thread(() -> {
      while (true) {
        try {
          Thread.sleep(POLL_MS);
        } catch (InterruptedException e) {
          return;
        }
        reload.run();
      }
    }, thread);
    poller.setDaemon(true);
    poller.start();
  }
}
