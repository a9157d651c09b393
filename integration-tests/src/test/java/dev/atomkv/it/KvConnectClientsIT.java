package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.atomkv.client.CommitResult;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvValue;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deno's own KV client ({@code Deno.openKv}, HTTP/2 cleartext) and the npm client ({@code
 * @deno/kv} in Node, HTTP/1.1) against the real server's KV Connect port, running this project's
 * test files {@code clients/kvconnect/kv_test.ts} and {@code kv_node_test.mjs}; values cross
 * between them and the Java gRPC client both ways; and a Deno program and a Java client update
 * one counter at the same time.
 *
 * <p>A missing {@code deno} or {@code @deno/kv} fails the test (it never skips): {@code make test}
 * installs both first (target clients-deps: {@code npm ci --prefix clients/kvconnect}).
 */
class KvConnectClientsIT {
  private static final String HOW_TO_INSTALL = "`make test` installs it first (target "
      + "clients-deps: `npm ci --prefix clients/kvconnect`)";
  private static final String DENO = "clients/kvconnect/node_modules/.bin/deno";
  private static final String TOKEN = "kvconnect-it-read-write-token";
  private static final String READONLY_TOKEN = "kvconnect-it-read-only-token";
  private static final long TIMEOUT_SECONDS = 300;

  private static Path repoRoot;

  @TempDir Path dir;

  @BeforeAll
  static void requireClients() throws Exception {
    repoRoot = ExternalProcess.repoRoot();
    if (!Files.isExecutable(repoRoot.resolve(DENO))) {
      fail(DENO + " is missing (the deno package from npm); " + HOW_TO_INSTALL);
    }
    if (!Files.isDirectory(repoRoot.resolve("clients/kvconnect/node_modules/@deno/kv"))) {
      fail("clients/kvconnect/node_modules/@deno/kv is missing; " + HOW_TO_INSTALL);
    }
    ExternalProcess.Result node = ExternalProcess.run(List.of("node", "--version"), Map.of(), 30);
    if (node == null || node.exitCode() != 0) {
      fail("node is not installed (needed for clients/kvconnect/kv_node_test.mjs); "
          + HOW_TO_INSTALL);
    }
  }

  @Test
  void denoAndNodeTestFilesPassAndShareTheKeyspaceWithGrpc() throws Exception {
    try (RunningServer server = start()) {
      KvClient kv = client(server);
      String run = "deno-" + System.nanoTime();
      Key fromGrpc = Key.of(run, "from-grpc");
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("name", "Ada");
      doc.put("tags", List.of("x", "y"));
      doc.put("n", 3.25);
      doc.put("ok", true);
      doc.put("none", null);
      assertTrue(kv.atomic()
          .set(fromGrpc.append("string"), KvValue.of("Grüße from gRPC ✓"))
          .set(fromGrpc.append("json"), KvValue.json(doc))
          .set(fromGrpc.append("u64"), KvValue.u64(-1L))
          .set(fromGrpc.append("bytes"), KvValue.of(new byte[] {1, 2, 3}))
          .set(fromGrpc.append(42L, 1.5, true, new byte[] {0, (byte) 255}),
              KvValue.of("typed key"))
          .commit().ok());

      String denoOutput = ExternalProcess.expectSuccess("deno test",
          List.of(DENO, "test", "--allow-env", "--allow-net", "--unstable-kv",
              "clients/kvconnect/kv_test.ts"), env(server, run), TIMEOUT_SECONDS);
      Matcher passed = Pattern.compile("ok \\| (\\d+) passed \\| 0 failed")
          .matcher(denoOutput.replaceAll("\u001b\\[[0-9;]*m", ""));
      assertTrue(passed.find(), "deno test printed no summary:\n" + denoOutput);
      assertTrue(Integer.parseInt(passed.group(1)) >= 100, "deno ran too few tests:\n"
          + denoOutput);
      System.out.println("deno test: " + passed.group(1) + " passed");

      String nodeOutput = ExternalProcess.expectSuccess("node --test",
          List.of("node", "--test", "clients/kvconnect/kv_node_test.mjs"), env(server, run),
          TIMEOUT_SECONDS);
      Matcher nodePassed = Pattern.compile("# pass (\\d+)\\s+# fail 0").matcher(nodeOutput);
      assertTrue(nodePassed.find(), "node --test printed no summary:\n" + nodeOutput);
      assertTrue(Integer.parseInt(nodePassed.group(1)) >= 20, "node ran too few tests");
      System.out.println("node --test: " + nodePassed.group(1) + " passed");

      // What the Deno file wrote reads over gRPC with typed keys and the kinds of the SPEC.
      Key fromDeno = Key.of(run, "from-deno");
      assertEquals(KvValue.of("hello from Deno"), kv.get(fromDeno.append("string")).value());
      KvValue json = kv.get(fromDeno.append("json")).value();
      assertEquals(KvValue.Kind.JSON, json.kind());
      assertEquals(Map.of("city", "Sydney", "n", List.of(1.0, 2.5)), json.asDocument());
      assertEquals(KvValue.u64(7), kv.get(fromDeno.append("u64")).value());
      assertArrayEquals(new byte[] {9, 8}, kv.get(fromDeno.append("bytes")).value().asBytes());
      KvValue date = kv.get(fromDeno.append("date")).value();
      assertEquals(KvValue.Kind.V8, date.kind(), "a Date has no JSON form: it stays v8");
      assertEquals('D', date.asV8()[2]);
      KvEntry typed = kv.get(fromDeno.append(-5L, 2.5, false, new byte[] {7}));
      assertEquals(KvValue.of("typed key"), typed.value());
    }
  }

  /**
   * The Deno program alternates check-and-set and sum on a KvU64 counter while Java does the same
   * over gRPC; every acknowledged increment of both must be in the final value.
   */
  @Test
  void denoAndJavaIncrementOneCounterConcurrently() throws Exception {
    try (RunningServer server = start()) {
      KvClient kv = client(server);
      String run = "counter-" + System.nanoTime();
      Key counter = Key.of(run, "counter");
      int denoIterations = 300;
      CompletableFuture<String> deno = CompletableFuture.supplyAsync(() -> {
        try {
          return ExternalProcess.expectSuccess("deno counter",
              List.of(DENO, "run", "--allow-env", "--allow-net", "--unstable-kv",
                  "clients/kvconnect/counter.ts", Integer.toString(denoIterations)),
              env(server, run), TIMEOUT_SECONDS);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      long javaAcknowledged = 0;
      long javaConflicts = 0;
      // Java keeps going until Deno is done, so the two really overlap.
      while (!deno.isDone() || javaAcknowledged < 50) {
        if (javaAcknowledged % 2 == 0) {
          while (true) {
            KvEntry current = kv.get(counter);
            long next = (current.exists() ? current.value().asU64() : 0) + 1;
            CommitResult r = kv.atomic().check(current).set(counter, KvValue.u64(next)).commit();
            if (r.ok()) {
              break;
            }
            javaConflicts++;
          }
        } else {
          assertTrue(kv.atomic().sum(counter, 1).commit().ok());
        }
        javaAcknowledged++;
      }
      String out = deno.join();
      Matcher m = Pattern.compile("\\{\"acknowledged\":(\\d+),\"conflicts\":(\\d+)}").matcher(out);
      assertTrue(m.find(), "the Deno counter printed no result:\n" + out);
      long denoAcknowledged = Long.parseLong(m.group(1));
      assertEquals(denoIterations, denoAcknowledged);
      long total = kv.get(counter).value().asU64();
      System.out.println("shared counter: deno " + denoAcknowledged + " (" + m.group(2)
          + " check conflicts), java " + javaAcknowledged + " (" + javaConflicts
          + " check conflicts), final " + total);
      assertEquals(denoAcknowledged + javaAcknowledged, total);
    }
  }

  private RunningServer start() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, TOKEN + "\n" + READONLY_TOKEN + " readonly\n");
    return RunningServer.start(dir.resolve("data"), "--auth-tokens-file=" + tokens);
  }

  private static KvClient client(RunningServer server) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + TOKEN);
    Channel channel = ClientInterceptors.intercept(server.channel(),
        MetadataUtils.newAttachHeadersInterceptor(headers));
    return KvClient.create(channel);
  }

  private Map<String, String> env(RunningServer server, String run) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("KV_URL", "http://127.0.0.1:" + server.kvConnectPort());
    env.put("KV_RUN", run);
    env.put("DENO_KV_ACCESS_TOKEN", TOKEN);
    env.put("KV_READONLY_TOKEN", READONLY_TOKEN);
    env.put("DENO_NO_UPDATE_CHECK", "1");
    env.put("DENO_DIR", dir.resolve("deno-dir").toString());
    env.put("NO_COLOR", "1");
    return env;
  }
}
