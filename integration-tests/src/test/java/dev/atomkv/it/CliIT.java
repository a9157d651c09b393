package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import dev.atomkv.cli.Cli;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvChannels;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvValue;
import io.grpc.ManagedChannel;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The atomkv command line, run in-process against the real server. */
class CliIT {
  private static final String VERSIONSTAMP = "[0-9a-f]{20}";

  @TempDir Path dir;
  RunningServer server;
  KvClient kv;

  @BeforeEach
  void start() throws Exception {
    server = RunningServer.start(dir.resolve("data"));
    kv = server.client();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  record Run(int code, String out, String err) {
    List<String> lines() {
      return out.isEmpty() ? List.of() : Arrays.asList(out.split("\n"));
    }

    Struct json() {
      assertEquals(1, lines().size(), out);
      return parse(lines().get(0));
    }
  }

  @Test
  void clusterStatusOnASingleNodeSaysItIsNoClusterMember() {
    Run r = cli("cluster-status");
    assertEquals(Cli.EXIT_SERVER, r.code());
    assertTrue(r.err().contains("not a cluster member"), r.err());
  }

  private Run cli(String... args) {
    return cliAt("127.0.0.1:" + server.port(), args);
  }

  private static Run cliAt(String target, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new Cli());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of("--target", target));
    all.addAll(List.of(args));
    int code = cl.execute(all.toArray(String[]::new));
    return new Run(code, out.toString().replace("\r\n", "\n"), err.toString());
  }

  private Run ok(String... args) {
    Run r = cli(args);
    assertEquals(0, r.code(), () -> "exit " + r.code() + " for " + List.of(args) + ": " + r.err());
    return r;
  }

  static Struct parse(String line) {
    Struct.Builder b = Struct.newBuilder();
    try {
      JsonFormat.parser().merge(line, b);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("not JSON: " + line, e);
    }
    return b.build();
  }

  private static String str(Struct s, String field) {
    return s.getFieldsOrThrow(field).getStringValue();
  }

  private static boolean isNull(Struct s, String field) {
    return s.getFieldsOrThrow(field).getKindCase() == Value.KindCase.NULL_VALUE;
  }

  @Test
  void watchPrintsTheStateThenEachChange() throws Exception {
    kv.set(Key.of("w", "k"), KvValue.of("v0"));
    CompletableFuture<Run> watching = CompletableFuture.supplyAsync(
        () -> cli("watch", "--count", "2", "w/k", "w/missing"));
    // Keep changing the key until the watch has seen its first state and one change.
    for (int i = 1; !watching.isDone() && i < 400; i++) {
      kv.set(Key.of("w", "k"), KvValue.of("v" + i));
      Thread.sleep(50);
    }
    Run r = watching.get(20, TimeUnit.SECONDS);

    assertEquals(0, r.code(), r.err());
    assertEquals(2, r.lines().size(), r.out());
    Struct first = parse(r.lines().get(0));
    assertTrue(str(first, "readVersionstamp").matches(VERSIONSTAMP));
    List<Value> entries = first.getFieldsOrThrow("entries").getListValue().getValuesList();
    assertEquals("w/k", str(entries.get(0).getStructValue(), "key"));
    assertTrue(entries.get(0).getStructValue().getFieldsOrThrow("changed").getBoolValue());
    assertTrue(isNull(entries.get(1).getStructValue(), "value"));
    Struct second = parse(r.lines().get(1));
    Struct k = second.getFieldsOrThrow("entries").getListValue().getValues(0).getStructValue();
    assertTrue(k.getFieldsOrThrow("changed").getBoolValue());
    assertTrue(str(k, "value").matches("v[1-9][0-9]*"), str(k, "value"));

    Run resumed = cli("watch", "--count", "1", "--after", "not-hex", "w/k");
    assertEquals(Cli.EXIT_INPUT, resumed.code());
  }

  @Test
  void setAndGetEveryType() {
    Struct set = ok("set", "users/42n", "Ada").json();
    assertTrue(set.getFieldsOrThrow("ok").getBoolValue());
    String vs = str(set, "versionstamp");
    assertTrue(vs.matches(VERSIONSTAMP), vs);
    assertEquals(KvValue.of("Ada"), kv.get(Key.of("users", 42L)).value());

    ok("set", "--type", "bytes", "b/bytes:0a0b", "AQL/");
    ok("set", "--type", "json", "j/num:1.5/true", "{\"name\":\"Ada\",\"tags\":[1,2.5,null]}");
    ok("set", "--type", "u64", "c/str:42n", "18446744073709551615");
    ok("set", "--type", "v8", "v/a%2Fb", "/w8=");
    ok("set", "s/str:true", "with/slash");

    assertEquals(KvValue.of(new byte[] {1, 2, (byte) 0xff}), kv.get(Key.of("b", new byte[] {10, 11})).value());
    assertEquals(KvValue.json(Map.of("name", "Ada", "tags", Arrays.asList(1, 2.5, null))),
        kv.get(Key.of("j", 1.5, true)).value());
    assertEquals(KvValue.u64(-1), kv.get(Key.of("c", "42n")).value());
    assertEquals(KvValue.v8(new byte[] {(byte) 0xff, 0x0f}), kv.get(Key.of("v", "a/b")).value());
    assertEquals(KvValue.of("with/slash"), kv.get(Key.of("s", "true")).value());

    List<String> lines = ok("get", "users/42n", "b/bytes:0a0b", "j/num:1.5/true", "c/str:42n",
        "v/a%2Fb", "s/str:true", "missing").lines();
    assertEquals(7, lines.size());
    assertEquals("{\"key\":\"users/42n\",\"kind\":\"string\",\"value\":\"Ada\",\"versionstamp\":\"" + vs
        + "\",\"expiresAt\":null}", lines.get(0));
    assertTrue(lines.get(1).startsWith("{\"key\":\"b/bytes:0a0b\",\"kind\":\"bytes\",\"value\":\"AQL/\","), lines.get(1));
    assertTrue(lines.get(2).startsWith("{\"key\":\"j/num:1.5/true\",\"kind\":\"json\","
        + "\"value\":{\"name\":\"Ada\",\"tags\":[1,2.5,null]},"), lines.get(2));
    assertTrue(lines.get(3).startsWith("{\"key\":\"c/str:42n\",\"kind\":\"u64\",\"value\":\"18446744073709551615\","),
        lines.get(3));
    assertTrue(lines.get(4).startsWith("{\"key\":\"v/a%2Fb\",\"kind\":\"v8\",\"value\":\"/w8=\","), lines.get(4));
    assertTrue(lines.get(5).startsWith("{\"key\":\"s/str:true\",\"kind\":\"string\",\"value\":\"with/slash\","),
        lines.get(5));
    assertEquals("{\"key\":\"missing\",\"kind\":null,\"value\":null,\"versionstamp\":null,\"expiresAt\":null}",
        lines.get(6));
  }

  @Test
  void expireIn() throws Exception {
    Instant before = Instant.now();
    ok("set", "--expire-in", "1s", "tmp/a", "soon");
    Struct entry = ok("get", "tmp/a").json();
    Instant expiresAt = Instant.parse(str(entry, "expiresAt"));
    assertTrue(!expiresAt.isBefore(before.plusMillis(900)) && expiresAt.isBefore(Instant.now().plusSeconds(2)),
        expiresAt.toString());
    Thread.sleep(Duration.between(Instant.now(), expiresAt).toMillis() + 100);
    assertTrue(isNull(ok("get", "tmp/a").json(), "value"));

    Run bad = cli("set", "--expire-in", "soon", "tmp/b", "x");
    assertEquals(Cli.EXIT_INPUT, bad.code());
    assertTrue(bad.err().contains("bad duration \"soon\""), bad.err());
  }

  @Test
  void delete() {
    kv.set(Key.of("d", 1L), KvValue.of("x"));
    kv.set(Key.of("d", 2L), KvValue.of("y"));
    assertTrue(ok("delete", "d/1n", "d/2n", "d/3n").json().getFieldsOrThrow("ok").getBoolValue());
    assertTrue(!kv.get(Key.of("d", 1L)).exists() && !kv.get(Key.of("d", 2L)).exists());
  }

  @Test
  void listPrefixReverseLimitAndRanges() {
    for (long i = 1; i <= 5; i++) {
      kv.set(Key.of("users", i), KvValue.of("u" + i));
    }
    kv.set(Key.of("users"), KvValue.of("the prefix itself"));
    kv.set(Key.of("zz"), KvValue.of("other"));

    List<String> all = ok("list", "users").lines();
    assertEquals(List.of("users/1n", "users/2n", "users/3n", "users/4n", "users/5n"), keys(all));
    Struct first = parse(all.get(0));
    assertEquals("u1", str(first, "value"));
    assertEquals("string", str(first, "kind"));
    assertTrue(str(first, "versionstamp").matches(VERSIONSTAMP));
    assertTrue(isNull(first, "expiresAt"));

    assertEquals(List.of("users/5n", "users/4n"), keys(ok("list", "users", "--reverse", "--limit", "2").lines()));
    assertEquals(List.of("users/3n", "users/4n", "users/5n"), keys(ok("list", "users", "--start", "users/3n").lines()));
    assertEquals(List.of("users/1n", "users/2n"), keys(ok("list", "users", "--end", "users/3n").lines()));
    assertEquals(List.of("users/2n", "users/3n"), keys(ok("list", "--start", "users/2n", "--end", "users/4n").lines()));
    assertEquals(List.of("users", "users/1n", "users/2n", "users/3n", "users/4n", "users/5n", "zz"),
        keys(ok("list").lines()));
    // keys print in the syntax they are typed in: every printed key reads back
    for (String key : keys(ok("list").lines())) {
      assertEquals(1, ok("get", key).lines().size());
    }

    Struct stats = ok("stats", "users").json();
    assertEquals(5, (int) stats.getFieldsOrThrow("keys").getNumberValue());
    assertEquals(5, (int) stats.getFieldsOrThrow("kinds").getStructValue().getFieldsOrThrow("string").getNumberValue());
    assertEquals(kv.get(Key.of("users", 5L)).versionstamp().toString(), str(stats, "latestVersionstamp"));
    assertEquals(7, (int) ok("stats").json().getFieldsOrThrow("keys").getNumberValue());
    assertTrue(isNull(ok("stats", "nothing").json(), "latestVersionstamp"));
  }

  private static List<String> keys(List<String> lines) {
    return lines.stream().map(l -> str(parse(l), "key")).toList();
  }

  @Test
  void sum() {
    ok("sum", "visits", "5");
    ok("sum", "visits", "18446744073709551615"); // wraps: 5 + (2^64 - 1) = 4
    assertEquals(KvValue.u64(4), kv.get(Key.of("visits")).value());

    kv.set(Key.of("name"), KvValue.of("Ada"));
    Run r = cli("sum", "name", "1");
    assertEquals(Cli.EXIT_SERVER, r.code());
    assertTrue(r.err().startsWith("atomkv: FAILED_PRECONDITION"), r.err());
  }

  @Test
  void atomicFromJsonFile() throws Exception {
    String vs = str(ok("set", "users/42n", "Ada").json(), "versionstamp");
    Path file = dir.resolve("cas.json");
    Files.writeString(file, """
        {
          "checks":    [{"key": {"parts": [{"string": "users"}, {"int": "42"}]}, "versionstamp": "%s"}],
          "mutations": [{"key": {"parts": [{"string": "users"}, {"int": "42"}]}, "set": {"string": "Ada Lovelace"}},
                        {"key": {"parts": [{"string": "visits"}]}, "sum": "1"}]
        }
        """.formatted(vs));
    Struct done = ok("atomic", file.toString()).json();
    assertTrue(done.getFieldsOrThrow("ok").getBoolValue());
    String newVs = str(done, "versionstamp");
    assertTrue(newVs.matches(VERSIONSTAMP) && newVs.compareTo(vs) > 0, newVs);
    assertEquals(KvValue.of("Ada Lovelace"), kv.get(Key.of("users", 42L)).value());
    assertEquals(newVs, kv.get(Key.of("users", 42L)).versionstamp().toString());

    // the same file again: its versionstamp is stale now
    Run stale = cli("atomic", file.toString());
    assertEquals(Cli.EXIT_NOT_APPLIED, stale.code(), stale.err());
    assertEquals("{\"ok\":false,\"versionstamp\":null,\"failedChecks\":[0],\"failedConditions\":[]}",
        stale.out().trim());
    assertEquals(KvValue.u64(1), kv.get(Key.of("visits")).value());
  }

  @Test
  void badInputFailsClearly() throws Exception {
    Run badKey = cli("get", "users//42n");
    assertEquals(Cli.EXIT_INPUT, badKey.code());
    assertEquals("", badKey.out());
    assertEquals("atomkv: bad key \"users//42n\": part 2 \"\": empty part (write the empty string as str:)",
        badKey.err().trim());

    Run badU64 = cli("set", "--type", "u64", "c", "-1");
    assertEquals(Cli.EXIT_INPUT, badU64.code());
    assertTrue(badU64.err().contains("bad u64 value \"-1\""), badU64.err());

    Run usage = cli("set", "onlykey");
    assertEquals(2, usage.code());
    assertTrue(usage.err().contains("Missing required parameter"), usage.err());

    // the server's INVALID_ARGUMENT message comes through
    Run tooLong = cli("set", "k/" + "x".repeat(3000), "v");
    assertEquals(Cli.EXIT_SERVER, tooLong.code());
    assertEquals("atomkv: INVALID_ARGUMENT: Key too large for write (max 2048 bytes)", tooLong.err().trim());

    Path file = dir.resolve("bad.json");
    Files.writeString(file, "{\"mutations\": [{\"key\": {\"parts\": []}, \"delete\": {}}]}");
    Run empty = cli("atomic", file.toString());
    assertEquals(Cli.EXIT_SERVER, empty.code());
    assertTrue(empty.err().startsWith("atomkv: INVALID_ARGUMENT: "), empty.err());

    Files.writeString(file, "{\"mutations\": 7}");
    Run notJson = cli("atomic", file.toString());
    assertEquals(Cli.EXIT_INPUT, notJson.code());
    assertTrue(notJson.err().startsWith("atomkv: bad AtomicRequest JSON in " + file), notJson.err());

    Run noFile = cli("atomic", dir.resolve("nope.json").toString());
    assertEquals(Cli.EXIT_INPUT, noFile.code());
    assertTrue(noFile.err().contains("no such file"), noFile.err());
  }

  @Test
  void unreachableServer() {
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new Cli());
    cl.setOut(new PrintWriter(new StringWriter(), true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute("--target", "127.0.0.1:1", "--deadline-ms", "2000", "get", "a");
    assertEquals(Cli.EXIT_SERVER, code);
    assertTrue(err.toString().startsWith("atomkv: UNAVAILABLE"), err.toString());
  }

  @Test
  void sendsItsTokenToAServerThatRequiresOne() throws Exception {
    server.close();
    server = RunningServer.start(dir.resolve("data"), "--auth-token=cli-s3cret");
    Run refused = cli("get", "k");
    assertEquals(Cli.EXIT_SERVER, refused.code());
    assertTrue(refused.err().contains("UNAUTHENTICATED"), refused.err());
    ok("--token", "cli-s3cret", "set", "k", "v");
    assertEquals("v", str(ok("--token", "cli-s3cret", "get", "k").json(), "value"));
  }

  @Test
  void aCommaSeparatedTargetSkipsAServerThatIsDown() throws Exception {
    List<RunningServer> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        nodes.add(RunningServer.start(dir.resolve("node" + i), "--auth-token=cluster-t0ken"));
      }
      String target = nodes.stream().map(n -> "127.0.0.1:" + n.port())
          .collect(Collectors.joining(","));
      // The first node in the list is down: a single-address CLI would fail here.
      nodes.get(0).close();
      for (int i = 0; i < 6; i++) {
        Run set = cliAt(target, "--token", "cluster-t0ken", "set", "k" + i, "v" + i);
        assertEquals(0, set.code(), set.err());
        Run get = cliAt(target, "--token", "cluster-t0ken", "get", "k" + i);
        assertEquals(0, get.code(), get.err());
      }
      int landed = 0;
      for (RunningServer live : nodes.subList(1, 3)) {
        ManagedChannel one = KvChannels.forTarget("127.0.0.1:" + live.port())
            .bearerToken("cluster-t0ken").build();
        try {
          KvClient client = KvClient.create(one);
          for (int i = 0; i < 6; i++) {
            landed += client.get(Key.of("k" + i)).exists() ? 1 : 0;
          }
        } finally {
          one.shutdownNow();
        }
      }
      // Each set is one commit on one live node; none is sent twice.
      assertEquals(6, landed);

      nodes.get(1).close();
      nodes.get(2).close();
      Run down = cliAt(target, "--token", "cluster-t0ken", "--deadline-ms", "2000", "get", "k0");
      assertEquals(Cli.EXIT_SERVER, down.code());
      assertTrue(down.err().startsWith("atomkv: UNAVAILABLE"), down.err());
      assertTrue(down.err().contains("(server " + target + ")"), down.err());
    } finally {
      nodes.forEach(RunningServer::close);
    }
  }
}
