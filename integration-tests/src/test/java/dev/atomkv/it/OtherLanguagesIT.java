package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.atomkv.client.Key;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvValue;
import dev.atomkv.client.ListSelector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
  private static final String PYTHON = "/usr/bin/python3";
  private static final String RUN = "it";
  private static final long TIMEOUT_SECONDS = 120;

  private static Path repoRoot;

  @TempDir Path dataDir;

  @BeforeAll
  static void findRepoRoot() {
    repoRoot = ExternalProcess.repoRoot();
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
    ExternalProcess.Result version = ExternalProcess.run(List.of("node", "--version"), Map.of(),
        30);
    if (version == null || version.exitCode() != 0) {
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
    ExternalProcess.Result imports = ExternalProcess.run(
        List.of(PYTHON, "-c", "import grpc, grpc_tools.protoc"), Map.of(), 60);
    if (imports == null || imports.exitCode() != 0) {
      fail(PYTHON + " cannot import grpc and grpc_tools (Debian packages python3-grpcio and "
          + "python3-grpc-tools): " + (imports == null ? "" : imports.output().strip()) + "; "
          + HOW_TO_INSTALL);
    }
  }

  private static void expectSuccess(String what, List<String> command) throws Exception {
    String output = ExternalProcess.expectSuccess(what, command, Map.of(), TIMEOUT_SECONDS);
    assertTrue(output.contains(" OK "), what + " printed no OK line:\n" + output);
    System.out.print(output);
  }
}
