package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.atomkv.client.Key;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvValue;
import dev.atomkv.client.ListSelector;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients in other languages, generated from the .proto files, against the real server: the Node
 * client ({@code clients/node/smoke.mjs}, @grpc/grpc-js + @grpc/proto-loader) and the Python client
 * ({@code clients/python/smoke.py}, Debian's python3-grpcio + python3-grpc-tools). Each does a set,
 * a check-and-set and a list with its own assertions (the Node one also a queue message: enqueue,
 * Listen, Ack); then the Java client reads what they wrote.
 *
 * <p>A missing tool fails the test (it never skips): {@code make test} installs them first through
 * its {@code clients-deps} target.
 */
class OtherLanguagesIT {
  private static final String HOW_TO_INSTALL = "`make test` installs it first (target clients-deps:"
      + " `npm ci --prefix clients/node`, and `apt-get install python3-grpcio python3-grpc-tools`"
      + " when /usr/bin/python3 cannot import grpc and grpc_tools)";
  private static final String PROTO = "proto/src/main/proto/atomkv/v1/kv.proto";
  private static final String PYTHON = "/usr/bin/python3";
  private static final String RUN = "it";
  private static final long TIMEOUT_SECONDS = 120;

  private static Path repoRoot;

  @TempDir Path dataDir;
  @TempDir Path logDir;

  @BeforeAll
  static void findRepoRoot() {
    // Failsafe runs with cwd = integration-tests/; walk up to the directory that holds the .proto.
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isRegularFile(dir.resolve(PROTO))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      fail("cannot find the repository root (" + PROTO + ") above "
          + Path.of("").toAbsolutePath());
    }
    repoRoot = dir;
  }

  @Test
  void nodeAndPythonClientsShareTheKeyspaceWithJava() throws Exception {
    requireNode();
    requirePython();
    try (RunningServer server = RunningServer.start(dataDir)) {
      String port = Integer.toString(server.port());
      expectSuccess("node client", List.of("node", "clients/node/smoke.mjs", port, RUN));
      expectSuccess("python client", List.of(PYTHON, "clients/python/smoke.py", port, RUN));

      // One keyspace: the Java client sees what both wrote, in key order ("node" < "python").
      KvClient kv = server.client();
      for (String language : List.of("node", "python")) {
        Key base = Key.of("other-languages", language, RUN);
        assertEquals("Ada Lovelace", kv.get(base.append("user")).value().asString(),
            language + " user after its check-and-set (the stale one wrote nothing)");
        List<KvEntry> items = kv.stream(ListSelector.prefix(base.append("items"))).toList();
        assertEquals(List.of(base.append("items", "a"), base.append("items", "b"),
                base.append("items", "c")),
            items.stream().map(KvEntry::key).toList(), language + " items");
        assertEquals(List.of(KvValue.u64(2), KvValue.u64(3), KvValue.u64(1)),
            items.stream().map(KvEntry::value).toList(), language + " item values");
      }
      List<String> languages = kv.stream(ListSelector.prefix(Key.of("other-languages")))
          .map(e -> (String) e.key().parts().get(1))
          .distinct()
          .toList();
      assertEquals(List.of("node", "python"), languages);
    }
  }

  private static void requireNode() throws Exception {
    Result version = run(List.of("node", "--version"), 30, null);
    if (version == null || version.exitCode != 0) {
      fail("node is not installed (needed for clients/node/smoke.mjs): install nodejs and npm "
          + "(.ci/run apt-installs them when missing); " + HOW_TO_INSTALL);
    }
    for (String module : List.of("@grpc/grpc-js", "@grpc/proto-loader")) {
      if (!Files.isDirectory(repoRoot.resolve("clients/node/node_modules").resolve(module))) {
        fail("clients/node/node_modules/" + module + " is missing (run `npm ci --prefix "
            + "clients/node`); " + HOW_TO_INSTALL);
      }
    }
  }

  private static void requirePython() throws Exception {
    if (!Files.isExecutable(Path.of(PYTHON))) {
      fail(PYTHON + " is missing (Debian's python3, needed for clients/python/smoke.py); "
          + HOW_TO_INSTALL);
    }
    Result imports = run(List.of(PYTHON, "-c", "import grpc, grpc_tools.protoc"), 60, null);
    if (imports == null || imports.exitCode != 0) {
      fail(PYTHON + " cannot import grpc and grpc_tools (Debian packages python3-grpcio and "
          + "python3-grpc-tools): " + (imports == null ? "" : imports.output.strip()) + "; "
          + HOW_TO_INSTALL);
    }
  }

  private void expectSuccess(String what, List<String> command) throws Exception {
    Result result = run(command, TIMEOUT_SECONDS, logDir);
    if (result == null) {
      fail(what + ": cannot start " + command.get(0));
    }
    if (result.timedOut) {
      fail(what + " timed out after " + TIMEOUT_SECONDS + " s: " + String.join(" ", command)
          + "\n" + result.output);
    }
    assertEquals(0, result.exitCode,
        what + " failed: " + String.join(" ", command) + "\n" + result.output);
    assertTrue(result.output.contains(" OK "), what + " printed no OK line:\n" + result.output);
    System.out.print(result.output);
  }

  private record Result(int exitCode, boolean timedOut, String output) {}

  /** Runs a command in the repository root; null when it cannot be started (not installed). */
  private static Result run(List<String> command, long timeoutSeconds, Path logDir)
      throws Exception {
    Path log = logDir != null
        ? Files.createTempFile(logDir, "out", ".log")
        : Files.createTempFile("atomkv-it", ".log");
    try {
      Process process;
      try {
        process = new ProcessBuilder(new ArrayList<>(command))
            .directory(repoRoot.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
      } catch (IOException notInstalled) {
        return null;
      }
      boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
      if (!finished) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      String output = new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
      return new Result(finished ? process.exitValue() : -1, !finished, output);
    } finally {
      if (logDir == null) {
        Files.deleteIfExists(log);
      }
    }
  }
}
