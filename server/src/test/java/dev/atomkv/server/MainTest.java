package dev.atomkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * What {@code java -jar} prints when it cannot start: one line naming the setting to change and a
 * non-zero exit status, never a stack trace.
 */
class MainTest {
  @TempDir Path dir;

  record Outcome(int exitCode, String err) {}

  /** Runs the command line with the ports the test does not aim at turned off or picked free. */
  private Outcome run(String... args) {
    List<String> all = new ArrayList<>(List.of("--bind=127.0.0.1", "--port=0",
        "--metrics-port=-1", "--kv-connect-port=-1", "--console-port=-1", "--data-dir=" + dir.resolve("data")));
    all.addAll(List.of(args));
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setErr(new PrintWriter(err, true));
    cli.setOut(new PrintWriter(new StringWriter(), true));
    int code = cli.execute(all.toArray(String[]::new));
    return new Outcome(code, err.toString());
  }

  private static void assertOneLine(Outcome o, String... fragments) {
    assertNotEquals(0, o.exitCode(), o.err());
    String text = o.err().strip();
    assertFalse(text.isEmpty(), "nothing printed");
    assertFalse(text.contains("\n"), "more than one line:\n" + o.err());
    assertFalse(text.contains("Exception"), o.err());
    for (String f : fragments) {
      assertTrue(text.contains(f), "'" + f + "' missing from: " + text);
    }
  }

  @Test
  void aTakenGrpcPortNamesThePortAndItsFlag() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      Outcome o = run("--port=" + port);
      assertOneLine(o, "port " + port + " on 127.0.0.1 (gRPC) is already in use: choose another "
          + "with --port or ATOMKV_PORT");
      assertEquals(1, o.exitCode());
    }
  }

  @Test
  void aTakenMetricsPortNamesItsFlag() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      assertOneLine(run("--metrics-port=" + port), "port " + port, "already in use",
          "--metrics-port or ATOMKV_METRICS_PORT");
    }
  }

  @Test
  void aTakenKvConnectPortNamesItsFlag() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      assertOneLine(run("--kv-connect-port=" + port), "port " + port, "already in use",
          "--kv-connect-port or ATOMKV_KV_CONNECT_PORT");
    }
  }

  @Test
  void aTokensFileThatIsADirectoryOrEmptyIsOneLine() throws Exception {
    assertOneLine(run("--auth-tokens-file=" + dir), "--auth-tokens-file", "not a regular file");
    System.setProperty("ATOMKV_AUTH_TOKENS_FILE", "");
    try {
      assertOneLine(run(), "--auth-tokens-file", "empty");
    } finally {
      System.clearProperty("ATOMKV_AUTH_TOKENS_FILE");
    }
    Path bad = Files.writeString(dir.resolve("tokens"), "a token with spaces\n");
    assertOneLine(run("--auth-tokens-file=" + bad), "--auth-tokens-file", "line 1");
  }

  @Test
  void aDataDirThatIsAFileOrCannotBeCreatedIsOneLine() throws Exception {
    Path file = Files.writeString(dir.resolve("file"), "x");
    assertOneLine(run("--data-dir=" + file), "--data-dir", "not a directory");
    assertOneLine(run("--data-dir=" + file.resolve("below")), "--data-dir", "cannot be created");
    System.setProperty("ATOMKV_DATA_DIR", "");
    try {
      List<String> args = List.of("--bind=127.0.0.1", "--port=0", "--metrics-port=-1",
          "--kv-connect-port=-1");
      StringWriter err = new StringWriter();
      CommandLine cli = Main.commandLine();
      cli.setErr(new PrintWriter(err, true));
      assertOneLine(new Outcome(cli.execute(args.toArray(String[]::new)), err.toString()),
          "--data-dir", "empty");
    } finally {
      System.clearProperty("ATOMKV_DATA_DIR");
    }
  }

  @Test
  void aDataDirHoldingSomethingElseIsOneLine() throws Exception {
    Path data = Files.createDirectories(dir.resolve("data"));
    Files.writeString(data.resolve("data.mdb"), "not an LMDB file, but long enough to be read "
        + "as a meta page by a careless opener ".repeat(200));
    assertOneLine(run(), "--data-dir");
  }

  @Test
  void missingOrBrokenTlsFilesAreOneLine() throws Exception {
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
    assertOneLine(run("--tls-cert=" + dir.resolve("missing.pem"), "--tls-key=" + garbage),
        "--tls-cert", "does not exist");
    assertOneLine(run("--tls-cert=" + dir, "--tls-key=" + garbage), "--tls-cert",
        "not a regular file");
    assertOneLine(run("--tls-cert=" + garbage, "--tls-key=" + garbage), "--tls-cert");
  }

  @Test
  void badNumbersAndSizesAreOneLine() {
    assertOneLine(run("--map-size=12q"), "--map-size", "'12q' is not a size");
    assertOneLine(run("--map-size=-5m"), "--map-size", "negative");
    assertOneLine(run("--map-size=1k"), "--map-size", "must be between");
    assertOneLine(run("--max-batch-bytes=99999999999t"), "--max-batch-bytes", "too large");
    assertOneLine(run("--max-batch=-1"), "--max-batch", "must be between");
    assertOneLine(run("--threads=-3"), "--threads");
    assertOneLine(run("--port=abc"), "--port");
    assertOneLine(run("--sync=sometimes"), "--sync", "full, no-metasync or none");
    assertOneLine(run("--no-such-flag"), "--no-such-flag");
    assertEquals(2, run("--max-batch=-1").exitCode());
  }

  @Test
  void anUnknownBindAddressIsOneLine() {
    assertOneLine(run("--bind=no-such-host.invalid"), "--bind", "no-such-host.invalid");
  }

  @Test
  void theNonLoopbackGuardIsOneLineWithStatusTwo() {
    Outcome o = run("--bind=0.0.0.0");
    assertOneLine(o, "refusing to start", "--insecure");
    assertEquals(2, o.exitCode());
  }
}
