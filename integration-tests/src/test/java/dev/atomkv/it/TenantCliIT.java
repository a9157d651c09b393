package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.atomkv.cli.Cli;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvChannels;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvValue;
import dev.atomkv.client.QuotaExceededException;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line's tenant and token commands, run in-process against a server with tokens. */
class TenantCliIT {
  private static final String ROOT = "tenant-cli-it-root";
  @TempDir static Path dir;
  private static RunningServer server;

  @BeforeAll
  static void start() throws Exception {
    server = RunningServer.start(dir.resolve("data"), "--auth-token=" + ROOT);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  record Run(int code, String out, String err) {
    List<String> lines() {
      return out.isEmpty() ? List.of() : Arrays.asList(out.split("\n"));
    }

    Struct json() {
      assertEquals(1, lines().size(), out);
      return CliIT.parse(lines().get(0));
    }

    List<Struct> jsonLines() {
      return lines().stream().map(CliIT::parse).toList();
    }
  }

  /** Runs the command line with {@code token} (null: none). */
  static Run cliAs(String token, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new Cli());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of("--target", "127.0.0.1:" + server.port()));
    if (token != null) {
      all.addAll(List.of("--token", token));
    }
    all.addAll(List.of(args));
    int code = cl.execute(all.toArray(String[]::new));
    return new Run(code, out.toString().replace("\r\n", "\n"), err.toString());
  }

  static Run okAs(String token, String... args) {
    Run r = cliAs(token, args);
    assertEquals(0, r.code(), () -> "exit " + r.code() + " for " + List.of(args) + ": " + r.err());
    return r;
  }

  static Run ok(String... args) {
    return okAs(ROOT, args);
  }

  /** The command fails with {@code exit} and a message on stderr containing {@code contains}. */
  static Run refusedAs(String token, int exit, String contains, String... args) {
    Run r = cliAs(token, args);
    assertEquals(exit, r.code(), () -> "exit for " + List.of(args) + ": " + r.out() + r.err());
    assertTrue(r.err().contains(contains), () -> List.of(args) + " said: " + r.err());
    assertEquals("", r.out(), "a refused command printed output");
    return r;
  }

  static double number(Struct s, String path) {
    return field(s, path).getNumberValue();
  }

  static Value field(Struct s, String path) {
    String[] parts = path.split("\\.");
    Value v = Value.newBuilder().setStructValue(s).build();
    for (String p : parts) {
      assertTrue(v.getStructValue().containsFields(p), () -> "no " + path + " in " + s);
      v = v.getStructValue().getFieldsOrThrow(p);
    }
    return v;
  }

  static String string(Struct s, String path) {
    return field(s, path).getStringValue();
  }

  private static String issue(String tenant, String role) {
    return string(ok("token", "issue", "--tenant", tenant, "--role", role).json(), "token");
  }

  @Test
  void createListDescribeLimitsStatsAndDelete() {
    Struct created = ok("tenant", "create", "acme", "--max-keys", "4", "--max-bytes", "1000")
        .json();
    assertEquals("acme", string(created, "name"));
    assertEquals(4, number(created, "limits.maxKeys"));
    assertEquals(1000, number(created, "limits.maxBytes"));
    assertEquals(0, number(created, "limits.requestsPerSecond"));
    assertEquals(0, number(created, "usage.storedKeys"));
    assertFalse(field(created, "deleting").getBoolValue());
    assertTrue(string(created, "createdAt").endsWith("Z"), created.toString());

    List<Struct> all = ok("tenant", "list").jsonLines();
    assertEquals("default", string(all.get(0), "name"), "the default tenant comes first");
    assertTrue(all.stream().anyMatch(t -> string(t, "name").equals("acme")), all.toString());

    // limits replaces all five: what is not given becomes 0.
    Struct limited = ok("tenant", "limits", "acme", "--max-keys", "5",
        "--requests-per-second", "100", "--read-units-per-minute", "600",
        "--write-units-per-minute", "60").json();
    assertEquals(5, number(limited, "limits.maxKeys"));
    assertEquals(0, number(limited, "limits.maxBytes"));
    assertEquals(100, number(limited, "limits.requestsPerSecond"));
    assertEquals(600, number(limited, "limits.readUnitsPerMinute"));
    assertEquals(60, number(limited, "limits.writeUnitsPerMinute"));

    String token = issue("acme", "read-write");
    okAs(token, "set", "k1", "v");
    okAs(token, "set", "k2", "v");
    Struct described = ok("tenant", "describe", "acme").json();
    assertEquals(2, number(described, "usage.storedKeys"));
    assertTrue(number(described, "usage.storedBytes") > 0, described.toString());

    Struct stats = ok("tenant", "stats", "acme").json();
    assertEquals("acme", string(stats, "tenant"));
    assertEquals(2, number(stats, "storedKeys"));
    assertEquals(5, number(stats, "maxKeys"));
    assertEquals(40.0, number(stats, "keysUsedPercent"));
    assertTrue(field(stats, "bytesUsedPercent").hasNullValue(), "no byte quota: " + stats);
    assertEquals(number(described, "usage.storedBytes"), number(stats, "storedBytes"));

    // Without NAME: every tenant for the server's administrator...
    List<Struct> everyone = ok("tenant", "stats").jsonLines();
    assertEquals(all.size(), everyone.size(), everyone.toString());
    assertEquals("default", string(everyone.get(0), "tenant"));
    // ...and its own tenant for a tenant's admin, who may not list the others.
    String admin = issue("acme", "admin");
    assertEquals("acme", string(okAs(admin, "tenant", "stats").json(), "tenant"));
    assertEquals("acme", string(okAs(admin, "tenant", "describe").json(), "name"));
    refusedAs(admin, Cli.EXIT_SERVER, "PERMISSION_DENIED: this call needs a server administrator",
        "tenant", "list");

    assertEquals("acme", string(ok("tenant", "delete", "acme").json(), "deleted"));
    refusedAs(ROOT, Cli.EXIT_SERVER, "FAILED_PRECONDITION: no tenant named 'acme'",
        "tenant", "describe", "acme");
    refusedAs(token, Cli.EXIT_SERVER, "UNAUTHENTICATED", "get", "k1");
  }

  @Test
  void tokenIssuedThenUsedThenRevoked() {
    ok("tenant", "create", "keys");
    Run issued = ok("token", "issue", "--tenant", "keys", "--role", "read-write");
    Struct info = issued.json();
    String token = string(info, "token");
    String id = string(info, "id");
    assertTrue(token.startsWith("akv_"), token);
    assertEquals(12, id.length(), id);
    assertEquals("keys", string(info, "tenant"));
    assertEquals("read-write", string(info, "role"));
    assertTrue(issued.err().contains("not shown again"), issued.err());
    assertTrue(issued.err().contains(id), issued.err());

    // The token reaches its tenant's keys only.
    okAs(token, "set", "greeting", "hello");
    assertEquals("hello", string(okAs(token, "get", "greeting").json(), "value"));
    assertTrue(field(ok("get", "greeting").json(), "value").hasNullValue(),
        "the default tenant sees another tenant's key");

    String reader = issue("keys", "read-only");
    assertEquals("hello", string(okAs(reader, "get", "greeting").json(), "value"));
    refusedAs(reader, Cli.EXIT_SERVER, "PERMISSION_DENIED", "set", "greeting", "bye");

    List<Struct> tokens = ok("token", "list", "--tenant", "keys").jsonLines();
    assertEquals(2, tokens.size(), tokens.toString());
    Struct listed = tokens.stream().filter(t -> string(t, "id").equals(id)).findFirst()
        .orElseThrow();
    assertEquals("read-write", string(listed, "role"));
    assertFalse(listed.containsFields("token"), "a listing shows a token: " + listed);
    assertFalse(ok("token", "list", "--tenant", "keys").out().contains(token));

    Struct revoked = ok("token", "revoke", "--tenant", "keys", id).json();
    assertEquals(id, string(revoked, "revoked"));
    refusedAs(token, Cli.EXIT_SERVER, "UNAUTHENTICATED", "get", "greeting");
    assertEquals(1, ok("token", "list", "--tenant", "keys").lines().size());
    refusedAs(ROOT, Cli.EXIT_SERVER,
        "FAILED_PRECONDITION: tenant 'keys' has no token with id '" + id + "'",
        "token", "revoke", "--tenant", "keys", id);
  }

  @Test
  void badCommandsAreRefusedWithTheServersMessage() {
    refusedAs(ROOT, Cli.EXIT_SERVER, "INVALID_ARGUMENT: tenant name 'Bad_Name' must be 1 to 32",
        "tenant", "create", "Bad_Name");
    refusedAs(ROOT, Cli.EXIT_SERVER, "FAILED_PRECONDITION: tenant 'default' cannot be deleted",
        "tenant", "delete", "default");
    refusedAs(ROOT, Cli.EXIT_SERVER, "FAILED_PRECONDITION: no tenant named 'ghost'",
        "token", "issue", "--tenant", "ghost", "--role", "read-only");
    refusedAs(ROOT, Cli.EXIT_SERVER, "FAILED_PRECONDITION: no tenant named 'ghost'",
        "tenant", "limits", "ghost", "--max-keys", "1");
    ok("tenant", "create", "twice");
    refusedAs(ROOT, Cli.EXIT_SERVER, "FAILED_PRECONDITION: tenant 'twice' already exists",
        "tenant", "create", "twice");
    // Without a token of the server's: refused by the server.
    refusedAs(null, Cli.EXIT_SERVER, "UNAUTHENTICATED", "tenant", "list");
    // Bad input never reaches the server.
    refusedAs(ROOT, Cli.EXIT_INPUT, "--max-keys must be 0 or more, got -1",
        "tenant", "create", "neg", "--max-keys", "-1");
    refusedAs(ROOT, Cli.EXIT_INPUT, "'owner' is not a role: read-only, read-write or admin",
        "token", "issue", "--tenant", "twice", "--role", "owner");
    refusedAs(ROOT, Cli.EXIT_INPUT, "Missing required option: '--role=ROLE'",
        "token", "issue", "--tenant", "twice");
    refusedAs(ROOT, Cli.EXIT_INPUT, "Missing subcommand", "tenant");
    refusedAs(ROOT, Cli.EXIT_INPUT, "Missing subcommand", "token");
    assertTrue(ok("tenant", "list").lines().stream().noneMatch(l -> l.contains("\"neg\"")));
  }

  @Test
  void writesOverTheQuotaAreRefusedToTheCommandLineAndTheClient() throws Exception {
    ok("tenant", "create", "small", "--max-keys", "1");
    String token = issue("small", "read-write");
    okAs(token, "set", "a", "1");
    refusedAs(token, Cli.EXIT_SERVER, "RESOURCE_EXHAUSTED: tenant 'small' is over its key quota",
        "set", "b", "2");
    assertEquals(100.0, number(ok("tenant", "stats", "small").json(), "keysUsedPercent"));

    ManagedChannel channel = KvChannels.forTarget("127.0.0.1:" + server.port())
        .credentials(InsecureChannelCredentials.create()).bearerToken(token).build();
    try {
      KvClient client = KvClient.create(channel);
      QuotaExceededException e = assertThrows(QuotaExceededException.class,
          () -> client.set(Key.of("b"), KvValue.of("2")));
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.code());
      assertEquals(QuotaExceededException.REASON, e.reason());
      assertTrue(e.isNotApplied());
      assertTrue(e.description().contains("max_keys 1"), e.description());
      // Overwriting in place does not grow the tenant: it passes.
      assertTrue(client.set(Key.of("a"), KvValue.of("3")).ok());
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
