package dev.atomkv.server;

/**
 * The server could not start because of something its settings name: a port in use, a data
 * directory LMDB refuses, certificate or token files that do not load. The message is one line
 * that names the setting to change; the launcher prints it instead of a stack trace.
 */
public final class StartupException extends RuntimeException {
  StartupException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * A listener that could not bind.
   *
   * @param what the listener, as the operator knows it ("gRPC", "metrics", "KV Connect")
   * @param flag the flag that sets its port
   */
  static StartupException cannotListen(String what, String flag, String bind, int port,
      Throwable cause) {
    String env = SettingsCheck.envName(flag);
    if (isAddressInUse(cause)) {
      return new StartupException("port " + port + " on " + bind + " (" + what
          + ") is already in use: choose another with " + flag + " or " + env, cause);
    }
    return new StartupException("cannot listen on " + bind + ":" + port + " (" + what + "): "
        + rootMessage(cause) + "; check --bind and " + flag, cause);
  }

  // Netty's native transport reports EADDRINUSE as its own IOException, not a BindException.
  private static boolean isAddressInUse(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (String.valueOf(t.getMessage()).contains("Address already in use")) {
        return true;
      }
    }
    return false;
  }

  /** The innermost message, on one line: the outer ones only repeat where it happened. */
  static String rootMessage(Throwable e) {
    String message = e.toString();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        message = t.getMessage();
      }
    }
    return message.replaceAll("\\s*\\R\\s*", " ").strip();
  }
}
