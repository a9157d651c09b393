package dev.atomkv.it;

import static dev.atomkv.it.ConditionsSupport.obj;
import static dev.atomkv.it.EntitySupport.attr;
import static dev.atomkv.it.EntitySupport.def;
import static dev.atomkv.it.EntitySupport.ids;
import static dev.atomkv.it.EntitySupport.index;
import static dev.atomkv.it.EntitySupport.query;
import static dev.atomkv.it.EntitySupport.queryAll;
import static dev.atomkv.it.EntitySupport.setDoc;
import static dev.atomkv.it.Wire.atomic;
import static dev.atomkv.it.Wire.commitOk;
import static dev.atomkv.it.Wire.everything;
import static dev.atomkv.it.Wire.get;
import static dev.atomkv.it.Wire.key;
import static dev.atomkv.it.Wire.set;
import static dev.atomkv.it.Wire.stringValue;
import static dev.atomkv.proto.v1.AttributeType.ATTRIBUTE_TYPE_INTEGER;
import static dev.atomkv.proto.v1.AttributeType.ATTRIBUTE_TYPE_STRING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.atomkv.proto.v1.AdminServiceGrpc;
import dev.atomkv.proto.v1.AdminServiceGrpc.AdminServiceBlockingStub;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.CreateTenantRequest;
import dev.atomkv.proto.v1.DefineEntityRequest;
import dev.atomkv.proto.v1.DeleteTenantRequest;
import dev.atomkv.proto.v1.DescribeTenantRequest;
import dev.atomkv.proto.v1.EntityDefinition;
import dev.atomkv.proto.v1.EntityServiceGrpc;
import dev.atomkv.proto.v1.EntityServiceGrpc.EntityServiceBlockingStub;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.GetEntityRequest;
import dev.atomkv.proto.v1.IndexState;
import dev.atomkv.proto.v1.IssueTokenRequest;
import dev.atomkv.proto.v1.Key;
import dev.atomkv.proto.v1.KeyPart;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.KvServiceGrpc.KvServiceBlockingStub;
import dev.atomkv.proto.v1.ListEntitiesRequest;
import dev.atomkv.proto.v1.ListRequest;
import dev.atomkv.proto.v1.ListTenantsRequest;
import dev.atomkv.proto.v1.Mutation;
import dev.atomkv.proto.v1.TenantLimits;
import dev.atomkv.proto.v1.TokenRole;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Custom entities of tenants through the real server: each tenant's definitions, documents and
 * indexes are its own, even under a name another tenant uses; background index builds run for
 * every tenant; no key or cursor reaches another tenant's entities; deleting a tenant removes
 * them.
 */
class TenantEntityIT {
  private static final String ROOT = "tenant-entity-it-root";
  @TempDir static Path dir;
  private static RunningServer server;
  private static AdminServiceBlockingStub admin;

  @BeforeAll
  static void start() throws Exception {
    server = RunningServer.start(dir.resolve("data"), "--auth-token=" + ROOT);
    admin = Wire.withToken(AdminServiceGrpc.newBlockingStub(server.channel()), ROOT);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void twoTenantsDefineTheSameEntityNameAndEachQueriesOnlyItsOwnDocuments() {
    String a = tenantToken("same-a");
    String b = tenantToken("same-b");
    define(a, def("person", List.of(attr("name", ATTRIBUTE_TYPE_STRING),
        attr("age", ATTRIBUTE_TYPE_INTEGER)), index("by-age", "age")));
    define(b, def("person", List.of(attr("name", ATTRIBUTE_TYPE_STRING),
        attr("team", ATTRIBUTE_TYPE_STRING)), index("by-team", "team")));
    define(ROOT, def("person", List.of(attr("name", ATTRIBUTE_TYPE_STRING)),
        index("by-name", "name")));
    for (int i = 0; i < 5; i++) {
      commitOk(kv(a), atomic(setDoc("person", "p" + i, obj("name", "a" + i, "age", 20 + i))));
    }
    for (int i = 0; i < 3; i++) {
      commitOk(kv(b), atomic(setDoc("person", "p" + i, obj("name", "b" + i, "team", "t" + i))));
    }
    commitOk(kv(ROOT), atomic(setDoc("person", "p0", obj("name", "root"))));

    List<Entry> inA = queryAll(entities(a), query("person", "by-age").build());
    assertEquals(List.of("p0", "p1", "p2", "p3", "p4"), ids(inA));
    assertTrue(inA.stream().allMatch(e -> name(e).startsWith("a")), inA::toString);
    List<Entry> inB = queryAll(entities(b), query("person", "by-team").build());
    assertEquals(List.of("p0", "p1", "p2"), ids(inB));
    assertTrue(inB.stream().allMatch(e -> name(e).startsWith("b")), inB::toString);
    List<Entry> inRoot = queryAll(entities(ROOT), query("person", "by-name").build());
    assertEquals(List.of("root"), inRoot.stream().map(TenantEntityIT::name).toList());

    // Each tenant's definition holds: b's has no by-age, and b's documents are typed by b's.
    StatusRuntimeException noIndex = assertThrows(StatusRuntimeException.class,
        () -> entities(b).query(query("person", "by-age").build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, noIndex.getStatus().getCode());
    assertEquals("entity person has no index by-age", noIndex.getStatus().getDescription());
    StatusRuntimeException typed = assertThrows(StatusRuntimeException.class,
        () -> kv(b).atomic(atomic(setDoc("person", "p9", obj("team", 7)))));
    assertEquals(Status.Code.INVALID_ARGUMENT, typed.getStatus().getCode());
    assertTrue(typed.getStatus().getDescription().contains("attribute team of entity person"
        + " must be a string"), typed.getStatus().getDescription());
    assertEquals(1, entities(a).getEntity(GetEntityRequest.newBuilder().setName("person")
        .build()).getDefinition().getVersion());
  }

  @Test
  void aDefinitionInOneTenantIsInvisibleToAnother() {
    String a = tenantToken("vis-a");
    String b = tenantToken("vis-b");
    define(a, def("secret", List.of(attr("x", ATTRIBUTE_TYPE_INTEGER)), index("by-x", "x")));
    commitOk(kv(a), atomic(setDoc("secret", "s1", obj("x", 1))));

    assertEquals(List.of("secret"), entities(a).listEntities(ListEntitiesRequest
        .getDefaultInstance()).getDefinitionsList().stream().map(EntityDefinition::getName)
        .toList());
    assertEquals(0, entities(b).listEntities(ListEntitiesRequest.getDefaultInstance())
        .getDefinitionsCount());
    assertTrue(entities(ROOT).listEntities(ListEntitiesRequest.getDefaultInstance())
        .getDefinitionsList().stream().noneMatch(d -> d.getName().equals("secret")));
    assertStatus(Status.Code.NOT_FOUND, "entity secret is not defined",
        () -> entities(b).getEntity(GetEntityRequest.newBuilder().setName("secret").build()));
    assertStatus(Status.Code.NOT_FOUND, "entity secret is not defined",
        () -> entities(b).query(query("secret", "by-x").build()));
    assertStatus(Status.Code.FAILED_PRECONDITION, "entity secret is not defined",
        () -> kv(b).atomic(atomic(setDoc("secret", "s1", obj("x", 2)))));
    // b defining its own "secret" is a first definition, not a new version of a's.
    EntityDefinition mine = define(b, def("secret", List.of(attr("y", ATTRIBUTE_TYPE_STRING))));
    assertEquals(1, mine.getVersion());
    assertEquals(1, queryAll(entities(a), query("secret", "by-x").build()).size());
  }

  @Test
  void anIndexAddedOverATenantsDocumentsIsBuiltForThatTenant() throws Exception {
    long seed = Long.getLong("atomkv.it.seed", System.nanoTime());
    System.out.println("TenantEntityIT build seed=" + seed + " (-Datomkv.it.seed=" + seed + ")");
    Random random = new Random(seed);
    String a = tenantToken("build-a");
    String b = tenantToken("build-b");
    List<String> tokens = List.of(a, b, ROOT);
    List<Integer> counts = List.of(2_500, 700, 1_200);
    List<List<String>> expected = new ArrayList<>();
    for (int t = 0; t < tokens.size(); t++) {
      String token = tokens.get(t);
      define(token, def("item", List.of(attr("n", ATTRIBUTE_TYPE_INTEGER))));
      List<int[]> written = new ArrayList<>();
      List<Mutation> batch = new ArrayList<>();
      for (int i = 0; i < counts.get(t); i++) {
        int n = random.nextInt(1000);
        String id = String.format("i%05d", i);
        written.add(new int[] {n, i});
        batch.add(setDoc("item", id, obj("n", n, "tenant", t)));
        if (batch.size() == 100) {
          commitOk(kv(token), AtomicRequest.newBuilder().addAllMutations(batch).build());
          batch.clear();
        }
      }
      if (!batch.isEmpty()) {
        commitOk(kv(token), AtomicRequest.newBuilder().addAllMutations(batch).build());
      }
      // The index orders by n, then by document key.
      expected.add(written.stream().sorted((x, y) -> x[0] != y[0]
          ? Integer.compare(x[0], y[0]) : Integer.compare(x[1], y[1]))
          .map(x -> String.format("i%05d", x[1])).toList());
    }
    long start = System.nanoTime();
    for (String token : tokens) {
      EntityDefinition building = define(token, def("item",
          List.of(attr("n", ATTRIBUTE_TYPE_INTEGER)), index("by-n", "n")));
      assertEquals(IndexState.INDEX_STATE_BUILDING, building.getIndexes(0).getState());
    }
    for (String token : tokens) {
      EntityIndexBuildIT.awaitReady(entities(token), "item", "by-n");
    }
    System.out.printf("TenantEntityIT built 3 tenants' indexes (docs=%d) in ms=%d%n",
        counts.stream().mapToInt(Integer::intValue).sum(),
        (System.nanoTime() - start) / 1_000_000);
    for (int t = 0; t < tokens.size(); t++) {
      List<Entry> all = queryAll(entities(tokens.get(t)), query("item", "by-n").build());
      assertEquals(counts.get(t), all.size(), "entries of tenant " + t + ", seed " + seed);
      int tenant = t;
      assertTrue(all.stream().allMatch(e -> field(e, "tenant") == tenant), "seed " + seed);
      assertEquals(expected.get(t), ids(all), "index order of tenant " + t + ", seed " + seed);
    }
  }

  @Test
  void noKeyOrCursorOfATenantReachesAnotherTenantsEntities() {
    String a = tenantToken("raw-a");
    String b = tenantToken("raw-b");
    define(a, def("doc", List.of(attr("v", ATTRIBUTE_TYPE_STRING)), index("by-v", "v")));
    define(b, def("doc", List.of(attr("v", ATTRIBUTE_TYPE_STRING)), index("by-v", "v")));
    for (int i = 0; i < 3; i++) {
      commitOk(kv(a), atomic(setDoc("doc", "d" + i, obj("v", "from-a-" + i))));
    }
    commitOk(kv(b), atomic(setDoc("doc", "d0", obj("v", "from-b"))));
    commitOk(kv(b), atomic(set(key("plain"), stringValue("b's plain key"))));

    // A List of a whole tenant's keyspace holds its plain keys, never entity data of anyone.
    assertEquals(List.of(), everything(kv(a)));
    assertEquals(1, everything(kv(b)).size());
    assertTrue(everything(kv(ROOT)).stream().noneMatch(e -> e.toString().contains("from-")));

    // Bytes naming the stored layout are just a key of b's own: a's document key, its stored
    // form behind a's prefix.
    byte[] aPrefix = ("\u00ff\u0010raw-a\u0000").getBytes(StandardCharsets.ISO_8859_1);
    byte[] docLayout = concat(new byte[] {(byte) 0xFF, 0x02}, tuple("doc", "d0"));
    for (byte[] raw : List.of(docLayout, concat(aPrefix, docLayout))) {
      Key k = Key.newBuilder().addParts(KeyPart.newBuilder().setBytes(ByteString.copyFrom(raw)))
          .build();
      assertFalse(get(kv(b), k).hasValue());
    }

    // A forged List cursor cannot leave b's range: refused, or it pages b's keys only.
    String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(docLayout);
    try {
      List<Entry> page = kv(b).list(ListRequest.newBuilder().setPrefix(Key.getDefaultInstance())
          .setCursor(forged).build()).getEntriesList();
      assertTrue(page.stream().noneMatch(e -> e.toString().contains("from-a")), page::toString);
    } catch (StatusRuntimeException e) {
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    }
    // A query cursor from a, resumed by b on its entity of the same name, reads b's index.
    var first = entities(a).query(query("doc", "by-v").setLimit(1).build());
    assertFalse(first.getCursor().isEmpty());
    List<Entry> resumed = entities(b).query(query("doc", "by-v").setCursor(first.getCursor())
        .build()).getResultsList();
    assertTrue(resumed.stream().noneMatch(e -> e.toString().contains("from-a")),
        resumed::toString);
    assertEquals(List.of("from-b"), queryAll(entities(b), query("doc", "by-v").build()).stream()
        .map(e -> e.getValue().getJson().getStructValue().getFieldsOrThrow("v").getStringValue())
        .toList());
  }

  @Test
  void indexEntriesCountTowardsTheTenantsQuota() {
    admin.createTenant(CreateTenantRequest.newBuilder().setName("ent-quota")
        .setLimits(TenantLimits.newBuilder().setMaxKeys(3)).build());
    String t = issue("ent-quota");
    define(t, def("quo", List.of(attr("v", ATTRIBUTE_TYPE_INTEGER)), index("by-v", "v")));
    commitOk(kv(t), atomic(setDoc("quo", "one", obj("v", 1)))); // definition, document, entry
    assertEquals(3, usageKeys("ent-quota"));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> kv(t).atomic(atomic(setDoc("quo", "two", obj("v", 2)))));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertEquals(List.of("one"), ids(queryAll(entities(t), query("quo", "by-v").build())));
  }

  @Test
  void deletingATenantRemovesItsEntitiesAndTheNameStartsEmpty() throws Exception {
    String t = tenantToken("ent-doomed");
    define(t, def("thing", List.of(attr("v", ATTRIBUTE_TYPE_INTEGER)), index("by-v", "v")));
    List<Mutation> batch = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      batch.add(setDoc("thing", "t" + i, obj("v", i)));
    }
    commitOk(kv(t), AtomicRequest.newBuilder().addAllMutations(batch).build());
    assertEquals(1 + 300 + 300, usageKeys("ent-doomed"));

    admin.deleteTenant(DeleteTenantRequest.newBuilder().setName("ent-doomed").build());
    long deadline = System.currentTimeMillis() + 20_000;
    while (admin.listTenants(ListTenantsRequest.getDefaultInstance()).getTenantsList().stream()
        .anyMatch(x -> x.getName().equals("ent-doomed"))) {
      assertTrue(System.currentTimeMillis() < deadline, "the deleted tenant's data never went");
      Thread.sleep(100);
    }
    String again = tenantToken("ent-doomed");
    assertEquals(0, usageKeys("ent-doomed"));
    assertEquals(0, entities(again).listEntities(ListEntitiesRequest.getDefaultInstance())
        .getDefinitionsCount());
    assertStatus(Status.Code.NOT_FOUND, "entity thing is not defined",
        () -> entities(again).query(query("thing", "by-v").build()));
    define(again, def("thing", List.of(attr("v", ATTRIBUTE_TYPE_INTEGER)), index("by-v", "v")));
    commitOk(kv(again), atomic(setDoc("thing", "new", obj("v", 5))));
    assertEquals(List.of("new"), ids(queryAll(entities(again), query("thing", "by-v").build())));
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private static String tenantToken(String tenant) {
    admin.createTenant(CreateTenantRequest.newBuilder().setName(tenant).build());
    return issue(tenant);
  }

  private static String issue(String tenant) {
    return admin.issueToken(IssueTokenRequest.newBuilder().setTenant(tenant)
        .setRole(TokenRole.TOKEN_ROLE_READ_WRITE).build()).getToken();
  }

  private static long usageKeys(String tenant) {
    return admin.describeTenant(DescribeTenantRequest.newBuilder().setName(tenant).build())
        .getTenant().getUsage().getStoredKeys();
  }

  private static EntityDefinition define(String token, EntityDefinition d) {
    return entities(token).defineEntity(DefineEntityRequest.newBuilder().setDefinition(d)
        .build()).getDefinition();
  }

  private static KvServiceBlockingStub kv(String token) {
    return Wire.withToken(KvServiceGrpc.newBlockingStub(server.channel()), token)
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static EntityServiceBlockingStub entities(String token) {
    return Wire.withToken(EntityServiceGrpc.newBlockingStub(server.channel()), token)
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }


  private static String name(Entry e) {
    return e.getValue().getJson().getStructValue().getFieldsOrThrow("name").getStringValue();
  }

  private static int field(Entry e, String field) {
    return (int) e.getValue().getJson().getStructValue().getFieldsOrThrow(field)
        .getNumberValue();
  }

  private static void assertStatus(Status.Code code, String description,
      org.junit.jupiter.api.function.Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(code, e.getStatus().getCode(), () -> "status of " + e);
    assertEquals(description, e.getStatus().getDescription());
  }

  /** The tuple encoding of string parts: 02 ‖ utf-8 ‖ 00 each. */
  private static byte[] tuple(String... parts) {
    byte[] out = new byte[0];
    for (String p : parts) {
      out = concat(out, new byte[] {0x02});
      out = concat(concat(out, p.getBytes(StandardCharsets.UTF_8)), new byte[] {0});
    }
    return out;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
