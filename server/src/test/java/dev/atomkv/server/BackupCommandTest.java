package dev.atomkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code atomkv backup} against a real server on a loopback port. */
class BackupCommandTest {
  @TempDir Path dir;
  private AtomkvServer server;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void start() throws Exception {
    server = AtomkvServer.start(ServerConfig.parse("--bind=127.0.0.1", "--port=0",
        "--data-dir=" + dir.resolve("data"), "--map-size=64m", "--shutdown-grace-ms=1000",
        "--metrics-port=-1", "--kv-connect-port=-1"));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void printsWhereTheBackupWentAndItsVersionstamp() throws Exception {
    Path to = dir.resolve("backup");
    int code = run("backup", "--to", to.toString(), "--target", "127.0.0.1:" + server.port());

    assertEquals(0, code, err.toString());
    String printed = out.toString();
    assertTrue(printed.contains("directory     " + to.toAbsolutePath().normalize()), printed);
    assertTrue(printed.matches("(?s).*versionstamp  [0-9a-f]{16}ffff\\R.*"), printed);
    assertTrue(printed.contains("size_bytes    " + Files.size(to.resolve("data.mdb"))), printed);
  }

  @Test
  void reportsTheServersRefusalAndExitsNonZero() throws Exception {
    Path full = Files.createDirectories(dir.resolve("full"));
    Files.writeString(full.resolve("x"), "x");
    int code = run("backup", "--to", full.toString(), "--target", "127.0.0.1:" + server.port());

    assertEquals(1, code);
    assertTrue(err.toString().startsWith(
        "backup failed: INVALID_ARGUMENT: backup directory must be empty"), err.toString());
  }

  @Test
  void backupNeedsADirectory() {
    assertEquals(2, run("backup"));
    assertTrue(err.toString().contains("Missing required option: '--to=DIR'"), err.toString());
  }

  @Test
  void theLastOfARepeatedFlagWinsSoMakeRunCanPointAtABackup() {
    CommandLine.ParseResult parsed = Main.commandLine()
        .parseArgs("--data-dir", "./data", "--data-dir", "/restore/here");
    assertEquals(Path.of("/restore/here"), parsed.matchedOptionValue("--data-dir", null));
  }

  private int run(String... args) {
    return Main.commandLine()
        .setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(err, true))
        .execute(args);
  }
}
