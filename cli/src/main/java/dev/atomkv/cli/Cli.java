package dev.atomkv.cli;

import dev.atomkv.client.CommitOutcomeUnknownException;
import dev.atomkv.client.CommitResult;
import dev.atomkv.client.KvChannels;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvException;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code atomkv}: the command line for an atomkv server. Global options go before the subcommand
 * ({@code atomkv --target host:6000 get users/42n}); {@code --target} may list several nodes,
 * {@code kv1:6000,kv2:6000,kv3:6000}.
 *
 * <p>Exit codes: 0 done; 1 the server refused the call or could not be reached; 2 bad input (usage,
 * key syntax, value, file); 3 a commit was not applied because a check or condition failed.
 */
@Command(
    name = "atomkv",
    mixinStandardHelpOptions = true,
    versionProvider = Cli.Version.class,
    description = "Reads and writes an atomkv server: get, set, delete, list, sum, atomic, stats, "
        + "watch, entity-define, entity-list, entity-get, entity-drop, query, cluster-status, "
        + "cluster-add-member, cluster-remove-member, cluster-transfer-leader, tenant, token.",
    subcommands = {
      Commands.Get.class,
      Commands.Set.class,
      Commands.Delete.class,
      Commands.ListKeys.class,
      Commands.Sum.class,
      Commands.Atomic.class,
      Commands.Stats.class,
      Commands.Watch.class,
      EntityCommands.Define.class,
      EntityCommands.ListAll.class,
      EntityCommands.Get.class,
      EntityCommands.Drop.class,
      EntityCommands.Query.class,
      ClusterCommand.class,
      ClusterAdminCommands.AddMember.class,
      ClusterAdminCommands.RemoveMember.class,
      ClusterAdminCommands.TransferLeader.class,
      TenantCommands.class,
      TokenCommands.class
    },
    footer = {"", KeySyntaxHelp.TEXT, "", Cli.EXIT_CODES})
public final class Cli {
  static final String EXIT_CODES =
      "Exit codes: 0 done; 1 the server refused the call or was unreachable;%n"
          + "2 bad input; 3 a commit failed a check or condition (nothing written).";

  /** Exit code: the server refused the call, or could not be reached. */
  public static final int EXIT_SERVER = 1;
  /** Exit code: bad input (usage, key syntax, value, file). */
  public static final int EXIT_INPUT = 2;
  /** Exit code: a commit answered ok=false (a check or condition failed). */
  public static final int EXIT_NOT_APPLIED = 3;

  @Option(
      names = "--target",
      paramLabel = "HOST:PORT[,HOST:PORT...]",
      defaultValue = "${env:ATOMKV_TARGET:-localhost:50051}",
      description = "The server, or several comma-separated (a cluster's nodes: calls go round"
          + " robin to those up and healthy). Env ATOMKV_TARGET; default localhost:50051.")
  String target;

  @Option(
      names = "--deadline-ms",
      paramLabel = "MS",
      defaultValue = "10000",
      description = "The deadline of each call in milliseconds (default ${DEFAULT-VALUE}).")
  long deadlineMs;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      defaultValue = "${env:ATOMKV_AUTH_TOKEN}",
      description = "Bearer token for a server that requires one (env ATOMKV_AUTH_TOKEN).")
  String token;

  @Option(
      names = "--tls-ca",
      paramLabel = "PEM",
      description = "Connect with TLS, trusting this CA certificate (PEM file).")
  java.io.File tlsCa;

  private ManagedChannel channel;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Cli()).execute(args));
  }

  ManagedChannel channel() {
    if (channel == null) {
      ChannelCredentials credentials;
      try {
        credentials = tlsCa == null
            ? InsecureChannelCredentials.create()
            : TlsChannelCredentials.newBuilder().trustManager(tlsCa).build();
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read --tls-ca " + tlsCa + ": " + e.getMessage());
      }
      KvChannels.Builder builder = KvChannels.forTarget(target).credentials(credentials);
      if (token != null && !token.isBlank()) {
        builder.bearerToken(token);
      }
      channel = builder.build();
    }
    return channel;
  }

  KvClient client() {
    return KvClient.builder(channel()).deadline(deadline()).build();
  }

  Duration deadline() {
    if (deadlineMs <= 0) {
      throw new IllegalArgumentException("--deadline-ms must be positive, got " + deadlineMs);
    }
    return Duration.ofMillis(deadlineMs);
  }

  void close() {
    if (channel != null) {
      channel.shutdownNow();
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      channel = null;
    }
  }

  /** The version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Cli.class.getPackage().getImplementationVersion();
      return new String[] {"atomkv-cli " + (v == null ? "(development build)" : v)};
    }
  }

  /** What every subcommand shares: the connection, the output and the mapping of errors to exit codes. */
  abstract static class Base implements Callable<Integer> {
    /** The root command, whether this one sits under it directly or in a group (tenant, token). */
    Cli cli;
    @Spec CommandSpec spec;

    /** Does the work; returns the exit code. */
    abstract int run(PrintWriter out) throws IOException;

    @Override
    public final Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      cli = root(spec);
      try {
        return run(out);
      } catch (CommitOutcomeUnknownException e) {
        err.println("atomkv: " + e.code() + ": " + e.description()
            + " (the commit may or may not have been applied: read the keys before retrying)");
        return EXIT_SERVER;
      } catch (KvException e) {
        err.println("atomkv: " + describe(e.code().name(), e.description()));
        return EXIT_SERVER;
      } catch (StatusRuntimeException e) {
        err.println("atomkv: " + describe(e.getStatus().getCode().name(), e.getStatus().getDescription()));
        return EXIT_SERVER;
      } catch (IllegalArgumentException | IOException e) {
        err.println("atomkv: " + e.getMessage());
        return EXIT_INPUT;
      } finally {
        out.flush();
        err.flush();
        cli.close();
      }
    }

    private static Cli root(CommandSpec command) {
      for (CommandSpec s = command; s != null; s = s.parent()) {
        if (s.userObject() instanceof Cli root) {
          return root;
        }
      }
      throw new IllegalStateException("command " + command.qualifiedName() + " is not under atomkv");
    }

    private String describe(String code, String description) {
      String text = code + (description == null || description.isEmpty() ? "" : ": " + description);
      if (code.equals("UNAVAILABLE") || code.equals("DEADLINE_EXCEEDED")) {
        text += " (server " + cli.target + ")";
      }
      return text;
    }

    /** {@code {"ok":true,"versionstamp":"...","failedChecks":[],"failedConditions":[]}}; the exit code. */
    static int printCommit(PrintWriter out, CommitResult r) {
      out.println("{\"ok\":" + r.ok()
          + ",\"versionstamp\":" + (r.ok() ? JsonOut.quote(r.versionstamp().toString()) : "null")
          + ",\"failedChecks\":" + JsonOut.ints(r.failedChecks())
          + ",\"failedConditions\":" + JsonOut.ints(r.failedConditions()) + "}");
      return r.ok() ? 0 : EXIT_NOT_APPLIED;
    }
  }
}
