package dev.atomkv.server;

import dev.atomkv.server.console.ConsoleServer;
import picocli.CommandLine.Option;

/** The web console's settings, part of {@link ServerConfig}. */
final class ConsoleSettings {
  @Option(names = "--console-port",
      defaultValue = "${ATOMKV_CONSOLE_PORT:-" + ServerDefaults.CONSOLE_PORT + "}",
      description = "Port of the web console (open http://host:port/ in a browser; its JSON API "
          + "is docs/console.md), on the --bind address with the same TLS and tokens as gRPC; 0 "
          + "picks a free one, -1 turns it off. Env: ATOMKV_CONSOLE_PORT.")
  int port;

  /** Threads of the console that may hold an LMDB read transaction at once. */
  int threads() {
    return port < 0 ? 0 : ConsoleServer.THREADS;
  }
}
