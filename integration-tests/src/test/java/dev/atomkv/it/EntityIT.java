package dev.atomkv.it;

import static dev.atomkv.it.ConditionsSupport.cond;
import static dev.atomkv.it.ConditionsSupport.obj;
import static dev.atomkv.it.EntitySupport.attr;
import static dev.atomkv.it.EntitySupport.checkDoc;
import static dev.atomkv.it.EntitySupport.checkDocAbsent;
import static dev.atomkv.it.EntitySupport.def;
import static dev.atomkv.it.EntitySupport.deleteDoc;
import static dev.atomkv.it.EntitySupport.deleteDocWhere;
import static dev.atomkv.it.EntitySupport.ids;
import static dev.atomkv.it.EntitySupport.index;
import static dev.atomkv.it.EntitySupport.query;
import static dev.atomkv.it.EntitySupport.queryAll;
import static dev.atomkv.it.EntitySupport.setDoc;
import static dev.atomkv.it.EntitySupport.setDocExpiring;
import static dev.atomkv.it.EntitySupport.setDocWhere;
import static dev.atomkv.it.EntitySupport.where;
import static dev.atomkv.it.Wire.assertStatus;
import static dev.atomkv.it.Wire.key;
import static dev.atomkv.it.Wire.set;
import static dev.atomkv.it.Wire.stringValue;
import static dev.atomkv.proto.v1.AttributeType.ATTRIBUTE_TYPE_ANY;
import static dev.atomkv.proto.v1.AttributeType.ATTRIBUTE_TYPE_BOOLEAN;
import static dev.atomkv.proto.v1.AttributeType.ATTRIBUTE_TYPE_FLOAT;
import static dev.atomkv.proto.v1.AttributeType.ATTRIBUTE_TYPE_INTEGER;
import static dev.atomkv.proto.v1.AttributeType.ATTRIBUTE_TYPE_STRING;
import static dev.atomkv.proto.v1.AttributeType.ATTRIBUTE_TYPE_UNSPECIFIED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.proto.v1.Attribute;
import dev.atomkv.proto.v1.DefineEntityRequest;
import dev.atomkv.proto.v1.DropEntityRequest;
import dev.atomkv.proto.v1.EntityDefinition;
import dev.atomkv.proto.v1.EntityIndex;
import dev.atomkv.proto.v1.EntityServiceGrpc;
import dev.atomkv.proto.v1.Filter;
import dev.atomkv.proto.v1.GetEntityRequest;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.ListEntitiesRequest;
import dev.atomkv.proto.v1.ListRequest;
import dev.atomkv.proto.v1.Match;
import dev.atomkv.proto.v1.Mutation;
import dev.atomkv.proto.v1.Operator;
import dev.atomkv.proto.v1.QueryRequest;
import dev.atomkv.proto.v1.QueryResponse;
import dev.atomkv.proto.v1.RangeOperator;
import dev.atomkv.proto.v1.SortOrder;
import io.grpc.Status;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Custom entities through the real gRPC server: definitions (every type, every rule broken once),
 * typed documents, Forge's transaction example across two entities, index maintenance on set,
 * overwrite, delete, expiry and rolled-back requests, and queries (partitions, every where
 * operator, filters, both orders, limits, cursors while writes happen).
 */
class EntityIT {
  static final List<Attribute> EMPLOYEE = List.of(
      attr("name", ATTRIBUTE_TYPE_STRING), attr("age", ATTRIBUTE_TYPE_INTEGER),
      attr("salary", ATTRIBUTE_TYPE_FLOAT), attr("active", ATTRIBUTE_TYPE_BOOLEAN),
      attr("team", ATTRIBUTE_TYPE_STRING), attr("notes", ATTRIBUTE_TYPE_ANY));

  @TempDir static Path dir;
  static RunningServer server;
  static EntityServiceGrpc.EntityServiceBlockingStub entities;

  @BeforeAll
  static void start() throws Exception {
    server = RunningServer.start(dir);
    entities = EntityServiceGrpc.newBlockingStub(server.channel());
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** A fresh stub: each carries its own deadline. */
  static KvServiceGrpc.KvServiceBlockingStub kv() {
    return server.stub();
  }

  static EntityDefinition define(EntityDefinition d) {
    return entities.defineEntity(DefineEntityRequest.newBuilder().setDefinition(d).build())
        .getDefinition();
  }

  /** An entity with the employee attributes and the usual indexes, under a test's own name. */
  static void defineEmployees(String name) {
    define(def(name, EMPLOYEE, index("by-age", "age"), index("by-team-age", "age", "team"),
        index("by-name", "name"), index("by-salary", "salary"),
        index("by-active-name", "name", "active")));
  }

  static com.google.protobuf.Value employee(String name, int age, double salary, boolean active,
      String team) {
    return obj("name", name, "age", age, "salary", salary, "active", active, "team", team);
  }

  static AtomicResponse commit(Mutation... mutations) {
    return kv().atomic(AtomicRequest.newBuilder().addAllMutations(List.of(mutations)).build());
  }

  /** The ids of every result, across pages. */
  static List<String> run(QueryRequest.Builder q) {
    return ids(queryAll(entities, q.build()));
  }

  static List<String> byAge(String entity) {
    return ids(queryAll(entities, query(entity, "by-age").build()));
  }

  // ---- definitions -----------------------------------------------------------------------------

  @Test
  void definitionsOfEveryTypeAreStoredVersionedListedAndDropped() {
    EntityDefinition d = def("every-type", List.of(attr("s", ATTRIBUTE_TYPE_STRING),
        attr("i", ATTRIBUTE_TYPE_INTEGER), attr("f", ATTRIBUTE_TYPE_FLOAT),
        attr("b", ATTRIBUTE_TYPE_BOOLEAN), attr("a", ATTRIBUTE_TYPE_ANY)),
        index("by-s", "s", "b", "i"), index("", "f"));
    EntityDefinition stored = define(d);
    assertEquals(1, stored.getVersion());
    assertEquals(10, stored.getVersionstamp().size());
    assertEquals(d.getAttributesList(), stored.getAttributesList());
    assertEquals("f", stored.getIndexes(1).getName(), "an unnamed index takes its range's name");
    assertEquals(stored, entities.getEntity(GetEntityRequest.newBuilder().setName("every-type")
        .build()).getDefinition());
    assertTrue(entities.listEntities(ListEntitiesRequest.getDefaultInstance())
        .getDefinitionsList().contains(stored));

    EntityDefinition again = define(d.toBuilder().addAttributes(attr("extra", ATTRIBUTE_TYPE_ANY))
        .build());
    assertEquals(2, again.getVersion());
    assertStatus(Status.Code.FAILED_PRECONDITION, "entity every-type is at version 2, not 1",
        () -> entities.defineEntity(DefineEntityRequest.newBuilder().setDefinition(d)
            .setExpectedVersion(1).build()));
    assertEquals(3, entities.defineEntity(DefineEntityRequest.newBuilder().setDefinition(d)
        .setExpectedVersion(2).build()).getDefinition().getVersion());

    assertTrue(entities.dropEntity(DropEntityRequest.newBuilder().setName("every-type").build())
        .getDropped());
    assertFalse(entities.dropEntity(DropEntityRequest.newBuilder().setName("every-type").build())
        .getDropped());
    assertStatus(Status.Code.NOT_FOUND, "entity every-type is not defined",
        () -> entities.getEntity(GetEntityRequest.newBuilder().setName("every-type").build()));
    // Definitions, documents and index entries live outside the user key space: the tests write
    // no plain key that stays, so a List of everything is empty.
    assertEquals(0, kv().list(ListRequest.newBuilder().setPrefix(key()).setLimit(1000).build())
        .getEntriesCount());
  }

  static Stream<Arguments> invalidDefinitions() {
    List<Attribute> ab = List.of(attr("a", ATTRIBUTE_TYPE_INTEGER),
        attr("flag", ATTRIBUTE_TYPE_BOOLEAN), attr("blob", ATTRIBUTE_TYPE_ANY));
    List<Attribute> many = IntStream.range(0, 101)
        .mapToObj(i -> attr("a" + i, ATTRIBUTE_TYPE_STRING)).toList();
    EntityIndex[] eight = IntStream.range(0, 8).mapToObj(i -> index("i" + i, "a"))
        .toArray(EntityIndex[]::new);
    return Stream.of(
        Arguments.of(def("ab", ab), "entity name \"ab\" is too short (min 3 characters)"),
        Arguments.of(def("x".repeat(61), ab),
            "entity name xxxxxxxxxxxxxxxxxxxx... is too long (max 60 characters)"),
        Arguments.of(def("Employee", ab),
            "entity name \"Employee\" may only contain the characters a-z 0-9 : - _ ."),
        Arguments.of(def("bad", List.of()), "entity bad needs at least one attribute"),
        Arguments.of(def("bad", many), "entity bad has too many attributes (max 100)"),
        Arguments.of(def("bad", List.of(attr("1abc", ATTRIBUTE_TYPE_STRING))),
            "attribute name \"1abc\" must match [_A-Za-z][_0-9A-Za-z]*"),
        Arguments.of(def("bad", List.of(attr("a".repeat(65), ATTRIBUTE_TYPE_STRING))),
            "attribute name " + "a".repeat(65) + " is too long (max 64 characters)"),
        Arguments.of(def("bad", List.of(attr("a", ATTRIBUTE_TYPE_UNSPECIFIED))),
            "attribute a has no type"),
        Arguments.of(def("bad", List.of(attr("a", ATTRIBUTE_TYPE_STRING),
            attr("a", ATTRIBUTE_TYPE_INTEGER))), "attribute a is defined twice"),
        Arguments.of(def("bad", ab, eight), "entity bad has too many indexes (max 7)"),
        Arguments.of(def("bad", ab, index("By Age", "a")),
            "index name \"By Age\" may only contain the characters a-z 0-9 : - _ ."),
        Arguments.of(def("bad", ab, index("x".repeat(51), "a")),
            "index name \"" + "x".repeat(51) + "\" must have 1 to 50 characters"),
        Arguments.of(def("bad", ab, index("i", "zz")),
            "index i: range attribute zz is not an attribute of the entity"),
        Arguments.of(def("bad", ab, index("i", "")), "index i needs a range attribute"),
        Arguments.of(def("bad", ab, index("i", "flag")), "index i: range attribute flag is of "
            + "type boolean (a range must be string, integer or float)"),
        Arguments.of(def("bad", ab, index("i", "a", "blob")),
            "index i: partition attribute blob is of type any, which cannot be indexed"),
        Arguments.of(def("bad", ab, index("i", "a", "nope")),
            "index i: partition attribute nope is not an attribute of the entity"),
        Arguments.of(def("bad", ab, index("i", "a", "a")), "index i names attribute a twice"),
        Arguments.of(def("bad", ab, index("i", "a"), index("i", "a", "flag")),
            "index name i is used twice"),
        Arguments.of(def("bad", List.of(attr("a", ATTRIBUTE_TYPE_INTEGER),
            attr("p1", ATTRIBUTE_TYPE_STRING), attr("p2", ATTRIBUTE_TYPE_STRING),
            attr("p3", ATTRIBUTE_TYPE_STRING), attr("p4", ATTRIBUTE_TYPE_STRING),
            attr("p5", ATTRIBUTE_TYPE_STRING)), index("i", "a", "p1", "p2", "p3", "p4", "p5")),
            "index i has too many partition attributes (max 4)"));
  }

  @ParameterizedTest
  @MethodSource("invalidDefinitions")
  void eachBrokenRuleIsRefusedByName(EntityDefinition d, String message) {
    assertStatus(Status.Code.INVALID_ARGUMENT, message, () -> define(d));
    assertTrue(entities.listEntities(ListEntitiesRequest.getDefaultInstance())
        .getDefinitionsList().stream().noneMatch(e -> e.getName().equals(d.getName())));
  }

  // ---- typed documents -------------------------------------------------------------------------

  @Test
  void documentsMustHaveTheAttributeTypes() {
    defineEmployees("typed");
    assertTrue(commit(setDoc("typed", "full", employee("Ada", 36, 1.5e5, true, "core"))).getOk());
    assertTrue(commit(setDoc("typed", "sparse", obj("name", "Bo", "age", null, "other", "x",
        "notes", obj("any", List.of(1, "two"))))).getOk(), "null, absent and untyped attributes");
    assertTrue(commit(setDoc("typed", "edges", obj("age", -2147483648, "salary", 0,
        "active", false))).getOk());
    assertTrue(commit(setDoc("typed", "edges2", obj("age", 2147483647, "salary", -1e-130)))
        .getOk());
    assertTrue(commit(setDoc("typed", "edges3", obj("salary", 9.99e125))).getOk());

    String at = "mutations[1]: attribute ";
    refused(obj("age", "36"), at + "age of entity typed must be an integer");
    refused(obj("age", 36.5), at + "age of entity typed must be an integer, got 36.5");
    refused(obj("age", 2147483648L), at + "age of entity typed must be a 32-bit signed integer "
        + "(-2147483648..2147483647), got 2147483648");
    refused(obj("salary", 1e-131), at + "salary of entity typed must be 0 or have a magnitude "
        + "between 1e-130 and 9.99e125, got 1.0E-131");
    refused(obj("salary", 1e126), at + "salary of entity typed must be 0 or have a magnitude "
        + "between 1e-130 and 9.99e125, got 1.0E126");
    refused(obj("salary", "high"), at + "salary of entity typed must be a float");
    refused(obj("active", "yes"), at + "active of entity typed must be a boolean");
    refused(obj("name", 5), at + "name of entity typed must be a string");
    refused(ConditionsSupport.arr(1, 2), "mutations[1]: a document of entity typed must be a json "
        + "object");
    assertStatus(Status.Code.INVALID_ARGUMENT,
        "mutations[0].set: a document of entity typed must be a json value",
        () -> commit(Mutation.newBuilder().setEntity("typed").setKey(key("s"))
            .setSet(stringValue("not json")).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "mutations[0].entity applies to set and delete only",
        () -> commit(Mutation.newBuilder().setEntity("typed").setKey(key("s")).setSum(1).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT,
        "entity name \"Typed\" may only contain the characters a-z 0-9 : - _ .",
        () -> commit(setDoc("Typed", "x", obj("age", 1))));
    assertStatus(Status.Code.FAILED_PRECONDITION, "entity nobody is not defined",
        () -> commit(set(key("plain", "n"), stringValue("v")), setDoc("nobody", "x", obj())));
    assertTrue(Wire.get(kv(), key("plain", "n")).getVersionstamp().isEmpty(), "rolled back");
    assertEquals(List.of("edges", "full", "edges2"), byAge("typed"));
  }

  /** A plain write and a bad document: the request is refused whole. */
  private static void refused(com.google.protobuf.Value doc, String message) {
    assertStatus(Status.Code.INVALID_ARGUMENT, message,
        () -> commit(set(key("plain", "r"), stringValue("v")), setDoc("typed", "bad", doc)));
    assertTrue(Wire.get(kv(), key("plain", "r")).getVersionstamp().isEmpty(), "rolled back");
  }

  // ---- transactions ----------------------------------------------------------------------------

  @Test
  void forgesTransactionAcrossTwoEntitiesIsAllOrNothing() {
    defineEmployees("staff");
    define(def("depts", List.of(attr("name", ATTRIBUTE_TYPE_STRING),
        attr("budget", ATTRIBUTE_TYPE_INTEGER)), index("by-budget", "budget")));
    assertTrue(commit(setDoc("staff", "e3", employee("Cy", 40, 1, true, "core")),
        setDoc("staff", "e4", employee("Di", 50, 1, false, "core")),
        setDoc("staff", "e2", employee("Bo", 20, 1, true, "core")),
        setDoc("depts", "core", obj("name", "Core", "budget", 100))).getOk());

    Filter budgetOk = Filter.newBuilder().addConditions(
        cond("budget", Operator.OPERATOR_GREATER_THAN_EQUAL_TO, 100)).build();
    Filter isActive = Filter.newBuilder().addConditions(
        cond("active", Operator.OPERATOR_EQUAL_TO, true)).build();
    Filter isInactive = Filter.newBuilder().addConditions(
        cond("active", Operator.OPERATOR_EQUAL_TO, false)).build();
    AtomicRequest forge = AtomicRequest.newBuilder()
        .addMutations(setDoc("staff", "e1", employee("Al", 30, 2, true, "core")))
        .addMutations(setDocWhere("staff", "e2", employee("Bo", 21, 2, true, "core"), isActive))
        .addMutations(deleteDoc("staff", "e3"))
        .addMutations(deleteDocWhere("staff", "e4", isInactive))
        .addChecks(checkDoc("depts", "core", budgetOk))
        .addChecks(checkDocAbsent("staff", "e9"))
        .build();

    // A failing check on the other entity: nothing of the transaction is written or indexed.
    AtomicResponse refused = kv().atomic(forge.toBuilder()
        .setChecks(0, checkDoc("depts", "core", Filter.newBuilder().addConditions(
            cond("budget", Operator.OPERATOR_GREATER_THAN, 100)).build())).build());
    assertFalse(refused.getOk());
    assertEquals(List.of(0), refused.getFailedChecksList());
    assertEquals(List.of("e2", "e3", "e4"), byAge("staff"));
    // A failing condition on one conditional set: the same.
    AtomicResponse refused2 = kv().atomic(forge.toBuilder()
        .setMutations(1, setDocWhere("staff", "e2", employee("Bo", 21, 2, true, "core"),
            isInactive)).build());
    assertEquals(List.of(1), refused2.getFailedConditionsList());
    assertEquals(List.of("e2", "e3", "e4"), byAge("staff"));

    assertTrue(kv().atomic(forge).getOk());
    assertEquals(List.of("e2", "e1"), byAge("staff"), "Bo now 21, Al 30; Cy and Di deleted");
    List<String> ages = queryAll(entities, query("staff", "by-age").build()).stream()
        .map(e -> e.getValue().getJson().getStructValue().getFieldsOrThrow("age")
            .getNumberValue()).map(d -> Integer.toString(d.intValue())).toList();
    assertEquals(List.of("21", "30"), ages);
  }

  // ---- index maintenance -----------------------------------------------------------------------

  @Test
  void indexesFollowSetsOverwritesDeletesExpiryAndRollbacks() throws Exception {
    defineEmployees("kept");
    long keysBefore = keysWhenSettled(-1);
    assertTrue(commit(setDoc("kept", "a", employee("Ann", 30, 10, true, "x"))).getOk());
    // a document plus one entry in each of its 5 indexes
    assertEquals(keysBefore + 6, keysWhenSettled(keysBefore + 6));
    assertEquals(List.of("a"), ids(queryAll(entities, query("kept", "by-age")
        .setWhere(where(RangeOperator.RANGE_OPERATOR_EQUAL_TO, 30)).build())));

    assertTrue(commit(setDoc("kept", "a", employee("Ann", 31, 10, true, "y"))).getOk());
    assertEquals(List.of(), ids(queryAll(entities, query("kept", "by-age")
        .setWhere(where(RangeOperator.RANGE_OPERATOR_EQUAL_TO, 30)).build())));
    assertEquals(List.of(), ids(queryAll(entities, query("kept", "by-team-age", "x").build())));
    assertEquals(List.of("a"), ids(queryAll(entities, query("kept", "by-team-age", "y").build())));
    assertEquals(keysBefore + 6, keysWhenSettled(keysBefore + 6), "old entries removed");

    // Dropping an attribute drops the document from that index.
    assertTrue(commit(setDoc("kept", "a", obj("name", "Ann", "age", 31))).getOk());
    assertEquals(List.of(), ids(queryAll(entities, query("kept", "by-salary").build())));
    assertEquals(keysBefore + 3, keysWhenSettled(keysBefore + 3), "doc, by-age, by-name");

    assertTrue(commit(deleteDoc("kept", "a")).getOk());
    assertEquals(List.of(), byAge("kept"));
    assertEquals(keysBefore, keysWhenSettled(keysBefore));

    // Rolled back by a later bad document: no entry of the first.
    assertStatus(Status.Code.INVALID_ARGUMENT, null,
        () -> commit(setDoc("kept", "b", employee("Bea", 40, 1, true, "x")),
            setDoc("kept", "c", obj("age", "old"))));
    assertEquals(List.of(), byAge("kept"));
    assertEquals(keysBefore, keysWhenSettled(keysBefore));

    // Expiry: invisible at once, and the sweep removes the entries with the document.
    assertTrue(commit(setDocExpiring("kept", "d", employee("Dee", 50, 1, true, "x"), 300))
        .getOk());
    assertEquals(List.of("d"), byAge("kept"));
    Thread.sleep(350);
    assertEquals(List.of(), byAge("kept"));
    assertEquals(keysBefore, keysWhenSettled(keysBefore), "swept with its index entries");

    // An entity with documents keeps its indexes; without them it may change or go.
    assertTrue(commit(setDoc("kept", "e", employee("Eve", 22, 1, true, "x"))).getOk());
    assertStatus(Status.Code.FAILED_PRECONDITION, "entity kept has documents: its index "
        + "by-team-age cannot be removed or changed, nor the types of its attributes (new indexes"
        + " may be added)",
        () -> define(def("kept", EMPLOYEE, index("by-age", "age"))));
    assertEquals(2, define(def("kept", EMPLOYEE.subList(0, 5), index("by-age", "age"),
        index("by-team-age", "age", "team"), index("by-name", "name"),
        index("by-salary", "salary"), index("by-active-name", "name", "active"))).getVersion(),
        "an attribute outside every index may go");
    assertStatus(Status.Code.FAILED_PRECONDITION,
        "entity kept still has documents: delete them before dropping it",
        () -> entities.dropEntity(DropEntityRequest.newBuilder().setName("kept").build()));
    assertTrue(commit(deleteDoc("kept", "e")).getOk());
    assertEquals(3, define(def("kept", EMPLOYEE, index("by-age", "age"))).getVersion());
    assertTrue(entities.dropEntity(DropEntityRequest.newBuilder().setName("kept").build())
        .getDropped());
  }

  /** The data table's entry count once the metric shows {@code expected} (or, -1, any value). */
  static long keysWhenSettled(long expected) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + 5_000_000_000L;
    long last = -1;
    while (System.nanoTime() < deadline) {
      String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + server.metricsPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString())
          .body();
      for (String line : body.split("\n")) {
        if (line.startsWith("atomkv_keys ")) {
          last = (long) Double.parseDouble(line.substring("atomkv_keys ".length()).trim());
        }
      }
      if (expected < 0 ? last >= 0 : last == expected) {
        return last;
      }
      Thread.sleep(50);
    }
    return last;
  }

  // ---- queries ---------------------------------------------------------------------------------

  @Test
  void queriesByEveryOperatorPartitionFilterOrderAndLimit() {
    defineEmployees("qry");
    String[] names = {"amy", "andy", "bob", "beth", "carl", "cara", "dan", "ed", "al", "zoe"};
    List<Mutation> writes = new ArrayList<>();
    for (int i = 0; i < names.length; i++) {
      writes.add(setDoc("qry", "k" + i, employee(names[i], 20 + i, -5.5 + i * 2.25, i % 2 == 0,
          i < 5 ? "red" : "blue")));
    }
    assertTrue(commit(writes.toArray(Mutation[]::new)).getOk());

    assertEquals(List.of("k3"), run(query("qry", "by-age")
        .setWhere(where(RangeOperator.RANGE_OPERATOR_EQUAL_TO, 23))));
    assertEquals(List.of("k7", "k8", "k9"), run(query("qry", "by-age")
        .setWhere(where(RangeOperator.RANGE_OPERATOR_GREATER_THAN, 26))));
    assertEquals(List.of("k6", "k7", "k8", "k9"), run(query("qry", "by-age")
        .setWhere(where(RangeOperator.RANGE_OPERATOR_GREATER_THAN_EQUAL_TO, 26))));
    assertEquals(List.of("k0", "k1"), run(query("qry", "by-age")
        .setWhere(where(RangeOperator.RANGE_OPERATOR_LESS_THAN, 22))));
    assertEquals(List.of("k0", "k1", "k2"), run(query("qry", "by-age")
        .setWhere(where(RangeOperator.RANGE_OPERATOR_LESS_THAN_EQUAL_TO, 22))));
    assertEquals(List.of("k2", "k3", "k4"), run(query("qry", "by-age")
        .setWhere(where(RangeOperator.RANGE_OPERATOR_BETWEEN, 22, 24))));
    assertEquals(List.of(), run(query("qry", "by-age")
        .setWhere(where(RangeOperator.RANGE_OPERATOR_BETWEEN, 24, 22))));
    assertEquals(List.of("k8", "k0", "k1"), run(query("qry", "by-name")
        .setWhere(where(RangeOperator.RANGE_OPERATOR_BEGINS_WITH, "a"))));
    assertEquals(List.of("k5", "k4"), run(query("qry", "by-name")
        .setWhere(where(RangeOperator.RANGE_OPERATOR_BEGINS_WITH, "car"))));
    // Floats order numerically across the sign: -5.5, -3.25, -1.0, 1.25, ...
    assertEquals(List.of("k0", "k1", "k2"), run(query("qry", "by-salary")
        .setWhere(where(RangeOperator.RANGE_OPERATOR_LESS_THAN, 0))));
    assertEquals(List.of("k3"), run(query("qry", "by-salary")
        .setWhere(where(RangeOperator.RANGE_OPERATOR_BETWEEN, 0, 2))));

    // Partitions.
    assertEquals(List.of("k9", "k8", "k7", "k6", "k5"), run(query("qry", "by-team-age", "blue")
        .setSort(SortOrder.SORT_ORDER_DESC)));
    assertEquals(List.of("k3", "k4"), run(query("qry", "by-team-age", "red")
        .setWhere(where(RangeOperator.RANGE_OPERATOR_GREATER_THAN, 22))));
    assertEquals(List.of("k8", "k0", "k2", "k4", "k6"), run(query("qry", "by-active-name", true)));

    // Filters, both orders, limits.
    Filter blueOrOld = Filter.newBuilder().setMatch(Match.MATCH_ANY)
        .addConditions(cond("team", Operator.OPERATOR_EQUAL_TO, "blue"))
        .addConditions(cond("age", Operator.OPERATOR_LESS_THAN, 21)).build();
    assertEquals(List.of("k0", "k5", "k6", "k7", "k8", "k9"),
        run(query("qry", "by-age").setFilter(blueOrOld)));
    assertEquals(List.of("k9", "k8", "k7", "k6", "k5", "k0"),
        run(query("qry", "by-age").setFilter(blueOrOld).setSort(SortOrder.SORT_ORDER_DESC)));
    QueryResponse first = entities.query(query("qry", "by-age").setFilter(blueOrOld)
        .setLimit(2).build());
    assertEquals(List.of("k0", "k5"), ids(first.getResultsList()));
    assertFalse(first.getCursor().isEmpty());
    assertEquals(List.of("k0", "k5", "k6", "k7", "k8", "k9"),
        run(query("qry", "by-age").setFilter(blueOrOld).setLimit(2)));
    assertEquals(List.of("k9", "k8", "k7", "k6", "k5", "k4", "k3", "k2", "k1", "k0"),
        run(query("qry", "by-age").setSort(SortOrder.SORT_ORDER_DESC).setLimit(3)));

    // Refusals.
    assertStatus(Status.Code.NOT_FOUND, "entity nope is not defined",
        () -> entities.query(query("nope", "by-age").build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "entity qry has no index by-x",
        () -> entities.query(query("qry", "by-x").build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "index by-team-age needs 1 partition value(s), got 0",
        () -> entities.query(query("qry", "by-team-age").build()));
    assertStatus(Status.Code.INVALID_ARGUMENT,
        "partition value 0 (attribute team) must be a string",
        () -> entities.query(query("qry", "by-team-age", 5).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT,
        "where value (attribute age) must be an integer, got 2.5",
        () -> entities.query(query("qry", "by-age")
            .setWhere(where(RangeOperator.RANGE_OPERATOR_EQUAL_TO, 2.5)).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT,
        "where BEGINS_WITH needs a string range attribute; age is of type integer",
        () -> entities.query(query("qry", "by-age")
            .setWhere(where(RangeOperator.RANGE_OPERATOR_BEGINS_WITH, "2")).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "where BETWEEN takes 2 value(s), got 1",
        () -> entities.query(query("qry", "by-age")
            .setWhere(where(RangeOperator.RANGE_OPERATOR_BETWEEN, 2)).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "invalid cursor",
        () -> entities.query(query("qry", "by-age").setCursor("***").build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "cursor out of bounds",
        () -> entities.query(query("qry", "by-age")
            .setWhere(where(RangeOperator.RANGE_OPERATOR_GREATER_THAN, 28))
            .setCursor(first.getCursor()).build()));
  }

  @Test
  void aSelectiveFilterEndsThePageAfterTheExaminedCap() {
    defineEmployees("many");
    for (int batch = 0; batch < 3; batch++) {
      List<Mutation> writes = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        int n = batch * 500 + i;
        writes.add(setDoc("many", String.format("m%04d", n),
            employee("n" + n, n, 1, true, n == 1400 ? "needle" : "hay")));
      }
      assertTrue(commit(writes.toArray(Mutation[]::new)).getOk());
    }
    QueryRequest needle = query("many", "by-age").setFilter(Filter.newBuilder()
        .addConditions(cond("team", Operator.OPERATOR_EQUAL_TO, "needle"))).build();
    QueryResponse page = entities.query(needle);
    assertEquals(0, page.getResultsCount(), "1000 examined, none matched");
    assertFalse(page.getCursor().isEmpty());
    QueryResponse next = entities.query(needle.toBuilder().setCursor(page.getCursor()).build());
    assertEquals(List.of("m1400"), ids(next.getResultsList()));
    assertTrue(next.getCursor().isEmpty());
  }

  @Test
  void cursorsContinueWhileWritesHappen() {
    defineEmployees("moving");
    List<Mutation> writes = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      writes.add(setDoc("moving", String.format("d%02d", i), employee("n", i * 10, 1, true, "t")));
    }
    assertTrue(commit(writes.toArray(Mutation[]::new)).getOk());
    QueryRequest q = query("moving", "by-age").setLimit(5).build();
    QueryResponse p1 = entities.query(q);
    assertEquals(List.of("d00", "d01", "d02", "d03", "d04"), ids(p1.getResultsList()));
    // Between pages: one before the cursor (not seen), one after it (seen), one deleted ahead.
    assertTrue(commit(setDoc("moving", "early", employee("n", 5, 1, true, "t")),
        setDoc("moving", "late", employee("n", 55, 1, true, "t")),
        deleteDoc("moving", "d07")).getOk());
    List<String> rest = new ArrayList<>();
    String cursor = p1.getCursor();
    while (!cursor.isEmpty()) {
      QueryResponse p = entities.query(q.toBuilder().setCursor(cursor).build());
      rest.addAll(ids(p.getResultsList()));
      cursor = p.getCursor();
    }
    assertEquals(List.of("d05", "late", "d06", "d08", "d09", "d10", "d11", "d12", "d13", "d14",
        "d15", "d16", "d17", "d18", "d19"), rest);
  }

  // ---- the Java client -------------------------------------------------------------------------

  @Test
  void theJavaClientDefinesWritesAndQueries() {
    dev.atomkv.client.KvClient client = server.client();
    dev.atomkv.client.KvEntity people = client.entity("people");
    assertEquals(1, people.define(dev.atomkv.client.KvEntity.schema()
        .attribute("name", "string").attribute("age", "integer").attribute("team", "string")
        .index("by-age", "age").index("by-team-age", "age", "team")));
    dev.atomkv.client.AtomicOperation op = client.atomic();
    for (int i = 0; i < 6; i++) {
      op.set("people", dev.atomkv.client.Key.of("p" + i), dev.atomkv.client.KvValue.json(
          java.util.Map.of("name", "n" + i, "age", 20 + i, "team", i % 2 == 0 ? "a" : "b")));
    }
    assertTrue(op.commit().ok());
    dev.atomkv.client.CommitResult refused = client.atomic()
        .checkAbsent("people", dev.atomkv.client.Key.of("p0"))
        .delete("people", dev.atomkv.client.Key.of("p1")).commit();
    assertFalse(refused.ok());
    assertTrue(client.atomic().check("people", dev.atomkv.client.Key.of("p0"),
        dev.atomkv.client.Filter.and("team", dev.atomkv.client.Condition.equalTo("a")))
        .delete("people", dev.atomkv.client.Key.of("p2"),
            dev.atomkv.client.Where.where(dev.atomkv.client.Filter.and("age",
                dev.atomkv.client.Condition.equalTo(22))))
        .commit().ok());

    dev.atomkv.client.EntityQuery.Page page = people.query().index("by-team-age", "a")
        .where(dev.atomkv.client.RangeCondition.greaterThanEqualTo(20))
        .filter(dev.atomkv.client.Filter.and("name",
            dev.atomkv.client.Condition.beginsWith("n")))
        .sort(dev.atomkv.client.EntityQuery.Sort.DESC).limit(1).page();
    assertEquals(List.of(dev.atomkv.client.Key.of("p4")),
        page.results().stream().map(dev.atomkv.client.KvEntry::key).toList());
    dev.atomkv.client.EntityQuery.Page next = people.query().index("by-team-age", "a")
        .where(dev.atomkv.client.RangeCondition.greaterThanEqualTo(20))
        .sort(dev.atomkv.client.EntityQuery.Sort.DESC).limit(5).cursor(page.cursor()).page();
    assertEquals(List.of(dev.atomkv.client.Key.of("p0")),
        next.results().stream().map(dev.atomkv.client.KvEntry::key).toList(), "p2 was deleted");
    assertEquals(null, next.cursor());
    assertEquals(java.util.Map.of("name", "n0", "age", 20.0, "team", "a"),
        next.results().get(0).value().asDocument());
    assertEquals(List.of(dev.atomkv.client.Key.of("p1"), dev.atomkv.client.Key.of("p3")),
        people.query().index("by-age").where(dev.atomkv.client.RangeCondition.between(21, 23))
            .page().results().stream().map(dev.atomkv.client.KvEntry::key).toList());
  }

  /** The README's grpcurl bodies, parsed as grpcurl parses them (proto3 JSON), and sent. */
  @Test
  void theReadmeExampleWorks() throws Exception {
    com.google.protobuf.util.JsonFormat.Parser json = com.google.protobuf.util.JsonFormat.parser();
    DefineEntityRequest.Builder define = DefineEntityRequest.newBuilder();
    json.merge("""
        {"definition": {"name": "employee",
            "attributes": [{"name": "name", "type": "ATTRIBUTE_TYPE_STRING"},
                           {"name": "age", "type": "ATTRIBUTE_TYPE_INTEGER"},
                           {"name": "team", "type": "ATTRIBUTE_TYPE_STRING"}],
            "indexes": [{"name": "by-age", "range": "age"},
                        {"name": "by-team-age", "range": "age", "partition": ["team"]}]}}""",
        define);
    entities.defineEntity(define.build());
    AtomicRequest.Builder write = AtomicRequest.newBuilder();
    json.merge("""
        {"mutations": [{"entity": "employee", "key": {"parts": [{"string": "e1"}]},
            "set": {"json": {"name": "Ada", "age": 36, "team": "core"}}}]}""", write);
    assertTrue(kv().atomic(write.build()).getOk());
    QueryRequest.Builder q = QueryRequest.newBuilder();
    json.merge("""
        {"entity": "employee", "index": "by-team-age", "partition": ["core"],
            "where": {"op": "RANGE_OPERATOR_GREATER_THAN", "values": [30]},
            "sort": "SORT_ORDER_DESC", "limit": 20}""", q);
    assertEquals(List.of("e1"), ids(entities.query(q.build()).getResultsList()));
  }

  /** Reading definitions and querying are reads; defining and dropping are writes. */
  @Test
  void readOnlyTokensMayReadAndQueryButNotDefine(@TempDir Path own) throws Exception {
    Path tokens = java.nio.file.Files.writeString(own.resolve("tokens"),
        "rw-token\nro-token readonly\n");
    try (RunningServer secured = RunningServer.start(own.resolve("data"),
        "--auth-tokens-file=" + tokens)) {
      EntityServiceGrpc.EntityServiceBlockingStub rw = tokenStub(secured, "rw-token");
      EntityServiceGrpc.EntityServiceBlockingStub ro = tokenStub(secured, "ro-token");
      EntityDefinition d = def("secured", List.of(attr("age", ATTRIBUTE_TYPE_INTEGER)),
          index("by-age", "age"));
      assertStatus(Status.Code.PERMISSION_DENIED, "read-only token",
          () -> ro.defineEntity(DefineEntityRequest.newBuilder().setDefinition(d).build()));
      rw.defineEntity(DefineEntityRequest.newBuilder().setDefinition(d).build());
      assertEquals("secured", ro.getEntity(GetEntityRequest.newBuilder().setName("secured")
          .build()).getDefinition().getName());
      assertEquals(1, ro.listEntities(ListEntitiesRequest.getDefaultInstance())
          .getDefinitionsCount());
      assertEquals(0, ro.query(query("secured", "by-age").build()).getResultsCount());
      assertStatus(Status.Code.PERMISSION_DENIED, "read-only token",
          () -> ro.dropEntity(DropEntityRequest.newBuilder().setName("secured").build()));
      assertStatus(Status.Code.UNAUTHENTICATED, null, () -> EntityServiceGrpc.newBlockingStub(
          secured.channel()).query(query("secured", "by-age").build()));
    }
  }

  static EntityServiceGrpc.EntityServiceBlockingStub tokenStub(RunningServer s, String token) {
    io.grpc.Metadata headers = new io.grpc.Metadata();
    headers.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + token);
    return EntityServiceGrpc.newBlockingStub(io.grpc.ClientInterceptors.intercept(s.channel(),
        io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers)));
  }
}
