package dev.atomkv.server;

import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * The command line entry point: {@code java -jar atomkv-server-all.jar --help}. Without a
 * subcommand it serves; {@code backup} asks a running server for a backup.
 */
@CommandLine.Command(name = "atomkv", mixinStandardHelpOptions = true, version = "atomkv " + Main.VERSION,
    sortOptions = false, showDefaultValues = true, subcommands = BackupCommand.class,
    description = {"A transactional key-value service over gRPC, with its data in LMDB.",
        "Every option can also be set with the environment variable named in its description."})
public final class Main implements Callable<Integer> {
  /** The server's version, as --version and the console show it. */
  static final String VERSION = "0.1.0";
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  @CommandLine.Mixin
  private final ServerConfig config = new ServerConfig();

  @CommandLine.Spec
  private CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /**
   * The command line. A flag given twice takes its last value, so that {@code make run
   * ARGS="--data-dir /path"} overrides the Makefile's {@code --data-dir ./data}.
   */
  static CommandLine commandLine() {
    return new CommandLine(new Main()).setOverwrittenOptionsAllowed(true)
        .setParameterExceptionHandler(Main::badSetting);
  }

  /** One line naming the setting, not picocli's full usage: that would bury the message. */
  private static int badSetting(CommandLine.ParameterException e, String[] args) {
    CommandLine cli = e.getCommandLine();
    cli.getErr().println("atomkv: " + e.getMessage().replaceAll("\\s*\\R\\s*", " ").strip()
        + "; see --help");
    cli.getErr().flush();
    return cli.getCommandSpec().exitCodeOnInvalidInput();
  }

  @Override
  public Integer call() throws Exception {
    try {
      config.validate();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    AtomkvServer server;
    try {
      server = AtomkvServer.start(config);
    } catch (StartupException e) {
      return refuse(1, e.getMessage());
    } catch (IllegalStateException e) {
      return refuse(2, e.getMessage()); // the non-loopback guard: a setting, like a bad flag
    }
    // SIGTERM and Ctrl-C: stop accepting, finish what is in flight, close the environment.
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "atomkv-shutdown"));
    LOG.info("atomkv serving on {}:{} with data in {}", config.bind(), server.port(),
        config.engineOptions().dataDir().toAbsolutePath().normalize());
    if (server.metricsPort() >= 0) {
      LOG.info("metrics at http://{}:{}/metrics", config.bind(), server.metricsPort());
    }
    if (server.kvConnectPort() < 0) {
      LOG.info("KV Connect (Deno.openKv) is off: --kv-connect-port={} turns it on",
          ServerDefaults.KV_CONNECT_PORT);
    } else {
      LOG.info("KV Connect for Deno.openKv at {}://{}:{}", config.tlsEnabled() ? "https" : "http",
          config.bind(), server.kvConnectPort());
    }
    if (server.consolePort() >= 0) {
      LOG.info("web console at {}://{}:{}/", config.tlsEnabled() ? "https" : "http",
          config.bind(), server.consolePort());
    }
    server.awaitTermination();
    return 0;
  }

  private int refuse(int exitCode, String message) {
    spec.commandLine().getErr().println("atomkv: " + message);
    spec.commandLine().getErr().flush();
    return exitCode;
  }
}
