package dev.atomkv.reliability;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server's runnable jar in a JVM of its own, on an OS-chosen loopback port, its output in a log
 * file. {@link #kill()} is SIGKILL: no shutdown hook, no flush, exactly what {@code kill -9} does.
 */
final class ServerProcess implements AutoCloseable {
  private static final Pattern SERVING = Pattern.compile("atomkv serving on 127\\.0\\.0\\.1:(\\d+)");
  /** A loaded machine may take long to start a JVM; a server that does not serve by then is dead. */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final Process process;
  private final Path log;
  private final int port;

  private ServerProcess(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
  }

  /**
   * Starts the server on {@code dataDir} and waits until it serves.
   *
   * @param failpoints a {@code atomkv.failpoints} spec, or null for none
   */
  static ServerProcess start(Path dataDir, Path log, String failpoints, String... flags)
      throws IOException, InterruptedException {
    return start(dataDir, log, failpoints, 0, flags);
  }

  /**
   * Starts the server on {@code dataDir} with its gRPC service on {@code port} (0: one the OS
   * chooses) and waits until it serves. A cluster member restarted on its own port is found again
   * by the clients' channels to it.
   */
  static ServerProcess start(Path dataDir, Path log, String failpoints, int port, String... flags)
      throws IOException, InterruptedException {
    return start(dataDir, log, failpoints == null ? List.of()
        : List.of("-Datomkv.failpoints=" + failpoints), port, flags);
  }

  /**
   * As above, with {@code jvmOptions} (such as {@code -Dname=value}) given to the server's JVM.
   */
  static ServerProcess start(Path dataDir, Path log, List<String> jvmOptions, int port,
      String... flags) throws IOException, InterruptedException {
    Path jar = Path.of(System.getProperty("atomkv.server.jar", "missing"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("the server jar " + jar + " is missing: build the reactor "
          + "(mvn verify), which packages the server before these tests run");
    }
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xms64m", "-Xmx256m"));
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar.toString(),
        "--bind=127.0.0.1", "--port=" + port, "--metrics-port=-1", "--kv-connect-port=-1", "--console-port=-1",
        "--data-dir=" + dataDir,
        "--map-size=4g", "--sweep-interval-ms=50", "--shutdown-grace-ms=2000"));
    command.addAll(List.of(flags));
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher m = SERVING.matcher(Files.readString(log, StandardCharsets.UTF_8));
      if (m.find()) {
        return new ServerProcess(process, log, Integer.parseInt(m.group(1)));
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("the server exited with " + process.exitValue()
            + " before serving; its log:\n" + Files.readString(log, StandardCharsets.UTF_8));
      }
      Thread.sleep(20);
    }
    process.destroyForcibly().waitFor();
    throw new IllegalStateException("the server did not serve within " + START_TIMEOUT
        + "; its log:\n" + Files.readString(log, StandardCharsets.UTF_8));
  }

  int port() {
    return port;
  }

  ManagedChannel channel() {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL, then waits until the process is gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** Waits for the process to end by itself; returns its exit status, or -1 on timeout. */
  int awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
  }

  /** SIGTERM: the server finishes what is in flight and closes the store. */
  int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
    return process.exitValue();
  }

  String log() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A restart on a killed store must open it without complaint: the start-up line of the store and
   * no SEVERE record (an unreadable meta page or a failed batch would log one).
   */
  String problemsInLog() {
    String text = log();
    if (!text.contains("opened LMDB store")) {
      return "the store was not opened";
    }
    for (String line : text.split("\n")) {
      if (line.startsWith("SEVERE") || line.startsWith("ERROR")) {
        return line;
      }
    }
    return null;
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly().waitFor();
    }
  }
}
