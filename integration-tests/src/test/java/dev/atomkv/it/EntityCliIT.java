package dev.atomkv.it;

import static dev.atomkv.it.ConditionsSupport.obj;
import static dev.atomkv.it.EntitySupport.deleteDoc;
import static dev.atomkv.it.EntitySupport.setDoc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Struct;
import dev.atomkv.cli.Cli;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.Mutation;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line's entity commands, run in-process against the real server. */
class EntityCliIT {
  static final String EMPLOYEE = "{\"name\":\"employee\",\"attributes\":["
      + "{\"name\":\"name\",\"type\":\"ATTRIBUTE_TYPE_STRING\"},"
      + "{\"name\":\"age\",\"type\":\"ATTRIBUTE_TYPE_INTEGER\"},"
      + "{\"name\":\"team\",\"type\":\"ATTRIBUTE_TYPE_STRING\"}],"
      + "\"indexes\":[{\"name\":\"by-age\",\"range\":\"age\"}]}";

  @TempDir Path dir;
  RunningServer server;

  @BeforeEach
  void start() throws Exception {
    server = RunningServer.start(dir.resolve("data"));
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
      return CliIT.parse(lines().get(0));
    }
  }

  private Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new Cli());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of("--target", "127.0.0.1:" + server.port()));
    all.addAll(List.of(args));
    int code = cl.execute(all.toArray(String[]::new));
    return new Run(code, out.toString().replace("\r\n", "\n"), err.toString());
  }

  private Run ok(String... args) {
    Run r = cli(args);
    assertEquals(0, r.code(), () -> "exit " + r.code() + " for " + List.of(args) + ": " + r.err());
    return r;
  }

  private void commit(Mutation... mutations) {
    assertTrue(server.stub().atomic(AtomicRequest.newBuilder()
        .addAllMutations(List.of(mutations)).build()).getOk());
  }

  private static List<String> keys(Run r) {
    return r.lines().stream().map(CliIT::parse).filter(s -> s.containsFields("key"))
        .map(s -> s.getFieldsOrThrow("key").getStringValue()).toList();
  }

  @Test
  void definesListsGetsAndDropsEntities() throws Exception {
    Struct v1 = ok("entity-define", "--json", EMPLOYEE).json();
    assertEquals("1", v1.getFieldsOrThrow("version").getStringValue());
    assertEquals("INDEX_STATE_READY", v1.getFieldsOrThrow("indexes").getListValue().getValues(0)
        .getStructValue().getFieldsOrThrow("state").getStringValue());

    Path file = dir.resolve("employee.json");
    Files.writeString(file, EMPLOYEE.replace("\"indexes\"",
        "\"indexes\":[{\"name\":\"by-age\",\"range\":\"age\"},"
            + "{\"name\":\"by-team-age\",\"range\":\"age\",\"partition\":[\"team\"]}],\"x\""));
    Run bad = cli("entity-define", file.toString());
    assertEquals(Cli.EXIT_INPUT, bad.code(), bad.err());
    assertTrue(bad.err().startsWith("atomkv: bad EntityDefinition JSON:"), bad.err());
    Files.writeString(file, EMPLOYEE.replace("[{\"name\":\"by-age\",\"range\":\"age\"}]",
        "[{\"name\":\"by-age\",\"range\":\"age\"},"
            + "{\"name\":\"by-team-age\",\"range\":\"age\",\"partition\":[\"team\"]}]"));
    assertEquals("2", ok("entity-define", file.toString(), "--expected-version", "1").json()
        .getFieldsOrThrow("version").getStringValue());
    Run stale = cli("entity-define", file.toString(), "--expected-version", "1");
    assertEquals(Cli.EXIT_SERVER, stale.code());
    assertEquals("atomkv: FAILED_PRECONDITION: entity employee is at version 2, not 1\n",
        stale.err());
    Run neither = cli("entity-define");
    assertEquals(Cli.EXIT_INPUT, neither.code());
    assertEquals("atomkv: entity-define takes a FILE or --json, not neither\n", neither.err());

    ok("entity-define", "--json", EMPLOYEE.replace("employee", "project"));
    Run list = ok("entity-list");
    assertEquals(List.of("employee", "project"), list.lines().stream().map(CliIT::parse)
        .map(s -> s.getFieldsOrThrow("name").getStringValue()).toList());
    assertEquals(2, ok("entity-get", "employee", "--eventual").json()
        .getFieldsOrThrow("indexes").getListValue().getValuesCount());
    Run missing = cli("entity-get", "nobody");
    assertEquals(Cli.EXIT_SERVER, missing.code());
    assertEquals("atomkv: NOT_FOUND: entity nobody is not defined\n", missing.err());

    commit(setDoc("employee", "e1", obj("name", "Ada", "age", 36, "team", "core")));
    Run held = cli("entity-drop", "employee");
    assertEquals(Cli.EXIT_SERVER, held.code());
    assertEquals("atomkv: FAILED_PRECONDITION: entity employee still has documents: delete them"
        + " before dropping it\n", held.err());
    commit(deleteDoc("employee", "e1"));
    assertEquals("{\"dropped\":true}", ok("entity-drop", "employee").out().trim());
    assertEquals("{\"dropped\":false}", ok("entity-drop", "employee").out().trim());
  }

  @Test
  void queriesPageWhereFilterSortAndPartition() throws Exception {
    ok("entity-define", "--json", EMPLOYEE.replace("[{\"name\":\"by-age\",\"range\":\"age\"}]",
        "[{\"name\":\"by-age\",\"range\":\"age\"},"
            + "{\"name\":\"by-team-age\",\"range\":\"age\",\"partition\":[\"team\"]},"
            + "{\"name\":\"by-name\",\"range\":\"name\"}]"));
    commit(setDoc("employee", "e1", obj("name", "Ada", "age", 36, "team", "core")),
        setDoc("employee", "e2", obj("name", "Bob", "age", 25, "team", "web")),
        setDoc("employee", "e3", obj("name", "Cy", "age", 41, "team", "core")),
        setDoc("employee", "e4", obj("name", "Al", "age", 52, "team", "core")));

    Run all = ok("query", "employee", "by-age");
    assertEquals(List.of("e2", "e1", "e3", "e4"), keys(all));
    Struct first = CliIT.parse(all.lines().get(0));
    Struct bob = first.getFieldsOrThrow("value").getStructValue();
    assertEquals("Bob", bob.getFieldsOrThrow("name").getStringValue());
    assertEquals(25, bob.getFieldsOrThrow("age").getNumberValue());
    assertTrue(first.getFieldsOrThrow("expiresAt").hasNullValue());
    assertTrue(first.getFieldsOrThrow("versionstamp").getStringValue().matches("[0-9a-f]{20}"));

    Run page = ok("query", "employee", "by-age", "--where", "greaterThan", "30", "--limit", "2");
    assertEquals(List.of("e1", "e3"), keys(page));
    assertEquals(3, page.lines().size(), page.out());
    String cursor = CliIT.parse(page.lines().get(2)).getFieldsOrThrow("cursor").getStringValue();
    Run rest = ok("query", "employee", "by-age", "--where", "greaterThan", "30", "--limit", "2",
        "--cursor", cursor);
    assertEquals(List.of("e4"), keys(rest));
    assertEquals(1, rest.lines().size(), "no cursor after the last page");

    assertEquals(List.of("e4", "e3", "e1"), keys(ok("query", "employee", "by-team-age",
        "--partition", "core", "--sort", "desc")));
    assertEquals(List.of("e1", "e3"), keys(ok("query", "employee", "by-team-age",
        "--partition", "\"core\"", "--where", "between", "30", "45")));
    assertEquals(List.of("e1", "e4"), keys(ok("query", "employee", "by-name",
        "--where", "beginsWith", "A")));
    assertEquals(List.of("e3", "e4"), keys(ok("query", "employee", "by-age", "--filter",
        "{\"conditions\":[{\"attribute\":\"age\",\"op\":\"OPERATOR_GREATER_THAN\","
            + "\"values\":[40]}]}")));

    Run noIndex = cli("query", "employee", "by-salary");
    assertEquals(Cli.EXIT_SERVER, noIndex.code());
    assertEquals("atomkv: INVALID_ARGUMENT: entity employee has no index by-salary\n",
        noIndex.err());
    Run badOp = cli("query", "employee", "by-age", "--where", "above", "3");
    assertEquals(Cli.EXIT_INPUT, badOp.code());
    assertTrue(badOp.err().startsWith("atomkv: unknown --where operator above (expected one of"
        + " beginsWith, between,"), badOp.err());
    Run badSort = cli("query", "employee", "by-age", "--sort", "up");
    assertEquals(Cli.EXIT_INPUT, badSort.code());
    assertEquals("atomkv: --sort must be asc or desc, got up\n", badSort.err());
  }

  @Test
  void anIndexAddedOverDocumentsIsBuiltThenQueryable() throws Exception {
    ok("entity-define", "--json", EMPLOYEE);
    List<Mutation> docs = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      docs.add(setDoc("employee", String.format("e%04d", i),
          obj("name", "n" + i, "age", i % 60, "team", i % 2 == 0 ? "core" : "web")));
      if (docs.size() == 500) {
        commit(docs.toArray(Mutation[]::new));
        docs.clear();
      }
    }
    ok("entity-define", "--json", EMPLOYEE.replace("[{\"name\":\"by-age\",\"range\":\"age\"}]",
        "[{\"name\":\"by-age\",\"range\":\"age\"},{\"name\":\"by-name\",\"range\":\"name\"}]"));
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!ok("entity-get", "employee").out().contains(
        "{\"name\":\"by-name\",\"range\":\"name\",\"state\":\"INDEX_STATE_READY\"}")) {
      assertTrue(System.nanoTime() < deadline, "by-name not ready in time");
      Thread.sleep(50);
    }
    assertEquals(List.of("e0000", "e0001", "e0010"), keys(ok("query", "employee", "by-name",
        "--limit", "3")).subList(0, 3));
  }
}
