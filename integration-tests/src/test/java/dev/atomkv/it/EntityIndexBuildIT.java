package dev.atomkv.it;

import static dev.atomkv.it.ConditionsSupport.obj;
import static dev.atomkv.it.EntitySupport.attr;
import static dev.atomkv.it.EntitySupport.def;
import static dev.atomkv.it.EntitySupport.deleteDoc;
import static dev.atomkv.it.EntitySupport.id;
import static dev.atomkv.it.EntitySupport.index;
import static dev.atomkv.it.EntitySupport.query;
import static dev.atomkv.it.EntitySupport.queryAll;
import static dev.atomkv.it.EntitySupport.setDoc;
import static dev.atomkv.proto.v1.AttributeType.ATTRIBUTE_TYPE_INTEGER;
import static dev.atomkv.proto.v1.AttributeType.ATTRIBUTE_TYPE_STRING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.Attribute;
import dev.atomkv.proto.v1.DefineEntityRequest;
import dev.atomkv.proto.v1.EntityDefinition;
import dev.atomkv.proto.v1.EntityServiceGrpc;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.GetEntityRequest;
import dev.atomkv.proto.v1.IndexState;
import dev.atomkv.proto.v1.Mutation;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An index added to an entity that already holds documents is built in the background, while
 * clients keep writing, and ends equal to a scan of the documents; a restart in the middle of a
 * build resumes it. The document count is {@code -Datomkv.it.indexBuildDocs} (default 100000).
 */
class EntityIndexBuildIT {
  static final int DOCS = Integer.getInteger("atomkv.it.indexBuildDocs", 100_000);
  static final List<String> TEAMS = List.of("core", "web", "ops", "data", "infra");
  static final List<Attribute> ATTRIBUTES = List.of(attr("name", ATTRIBUTE_TYPE_STRING),
      attr("age", ATTRIBUTE_TYPE_INTEGER), attr("team", ATTRIBUTE_TYPE_STRING));
  static final int WRITERS = 2;

  @TempDir Path dir;

  /** A document as the test wrote it last: age null when absent. */
  record Doc(String team, Integer age) {}

  /** What the clients last committed, per document id: the scan the index must equal. */
  final Map<String, Doc> docs = new ConcurrentHashMap<>();

  @Test
  void indexBuiltWhileClientsWriteEqualsAScanAndIsNotQueryableUntilReady() throws Exception {
    long seed = Long.getLong("atomkv.it.seed", System.nanoTime());
    System.out.println("EntityIndexBuildIT seed=" + seed + " docs=" + DOCS);
    try (RunningServer server = RunningServer.start(dir)) {
      EntityServiceGrpc.EntityServiceBlockingStub entities =
          EntityServiceGrpc.newBlockingStub(server.channel());
      define(entities, def("staff", ATTRIBUTES, index("by-name", "name")));
      load(server, new Random(seed), "staff");

      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong writes = new AtomicLong();
      ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        int writer = w;
        Random random = new Random(seed + 1 + w);
        writers.add(pool.submit(() -> {
          while (!stop.get()) {
            write(server, random, "staff", writer);
            writes.incrementAndGet();
          }
          return null;
        }));
      }
      try {
        long start = System.nanoTime();
        EntityDefinition building = define(entities, def("staff", ATTRIBUTES,
            index("by-name", "name"), index("by-team-age", "age", "team")));
        assertEquals(IndexState.INDEX_STATE_BUILDING, building.getIndexes(1).getState());
        assertEquals(IndexState.INDEX_STATE_READY, building.getIndexes(0).getState());
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
            () -> entities.query(query("staff", "by-team-age", "core").build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
        assertEquals("index by-team-age of entity staff is BUILDING: it cannot be queried until it"
            + " is READY", refused.getStatus().getDescription());
        awaitReady(entities, "staff", "by-team-age");
        System.out.printf("EntityIndexBuildIT built docs=%d in ms=%d with concurrent writes=%d%n",
            DOCS, (System.nanoTime() - start) / 1_000_000, writes.get());
        assertTrue(writes.get() > 0, "clients wrote while the index was built");
      } finally {
        stop.set(true);
        for (Future<?> f : writers) {
          f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
      }
      assertIndexEqualsScan(entities, "staff");
    }
  }

  @Test
  void aRestartInTheMiddleOfABuildResumesIt() throws Exception {
    long seed = Long.getLong("atomkv.it.seed", System.nanoTime());
    System.out.println("EntityIndexBuildIT restart seed=" + seed + " docs=" + DOCS);
    try (RunningServer server = RunningServer.start(dir)) {
      EntityServiceGrpc.EntityServiceBlockingStub entities =
          EntityServiceGrpc.newBlockingStub(server.channel());
      define(entities, def("crew", ATTRIBUTES, index("by-name", "name")));
      load(server, new Random(seed), "crew");
      define(entities, def("crew", ATTRIBUTES, index("by-name", "name"),
          index("by-team-age", "age", "team")));
      Thread.sleep(500); // a few steps in
      assertEquals(IndexState.INDEX_STATE_BUILDING, state(entities, "crew", "by-team-age"),
          "the build is still under way when the server stops");
      server.restart();
      entities = EntityServiceGrpc.newBlockingStub(server.channel());
      // Writes after the restart are indexed too, by the writes themselves.
      Random random = new Random(seed + 7);
      for (int i = 0; i < 200; i++) {
        write(server, random, "crew", 0);
      }
      awaitReady(entities, "crew", "by-team-age");
      assertIndexEqualsScan(entities, "crew");
    }
  }

  @Test
  void inAClusterTheLeaderBuildsAndANewLeaderFinishesTheBuild() throws Exception {
    long seed = Long.getLong("atomkv.it.seed", System.nanoTime());
    int count = Math.max(1, DOCS / 10);
    System.out.println("EntityIndexBuildIT cluster seed=" + seed + " docs=" + count);
    try (TestCluster cluster = TestCluster.start(dir, "index-build", 3)) {
      int leader = cluster.awaitLeader();
      int follower = (leader + 1) % 3;
      EntityServiceGrpc.EntityServiceBlockingStub viaFollower =
          EntityServiceGrpc.newBlockingStub(cluster.node(follower).channel());
      define(viaFollower, def("team", ATTRIBUTES, index("by-name", "name")));
      loadAt(cluster.node(leader), new Random(seed), "team", count);
      EntityDefinition building = define(viaFollower, def("team", ATTRIBUTES,
          index("by-name", "name"), index("by-team-age", "age", "team")));
      assertEquals(IndexState.INDEX_STATE_BUILDING, building.getIndexes(1).getState());
      Thread.sleep(300); // a step or more on the first leader
      cluster.stop(leader);
      int next = cluster.awaitLeader();
      // The others name the stopped member until they notice it is gone.
      for (long end = System.currentTimeMillis() + TestCluster.WAIT_MS; next == leader; ) {
        assertTrue(System.currentTimeMillis() < end, "no new leader in time");
        Thread.sleep(100);
        next = cluster.awaitLeader();
      }
      Random random = new Random(seed + 9);
      for (int i = 0; i < 100; i++) {
        write(cluster.node(next), random, "team", 0, count);
      }
      for (int i = 0; i < 3; i++) {
        if (i == leader) {
          continue;
        }
        EntityServiceGrpc.EntityServiceBlockingStub member =
            EntityServiceGrpc.newBlockingStub(cluster.node(i).channel());
        awaitReady(member, "team", "by-team-age");
        assertIndexEqualsScan(member, "team");
      }
    }
  }

  static EntityDefinition define(EntityServiceGrpc.EntityServiceBlockingStub entities,
      EntityDefinition d) {
    return entities.defineEntity(DefineEntityRequest.newBuilder().setDefinition(d).build())
        .getDefinition();
  }

  static IndexState state(EntityServiceGrpc.EntityServiceBlockingStub entities, String entity,
      String index) {
    return entities.getEntity(GetEntityRequest.newBuilder().setName(entity).build())
        .getDefinition().getIndexesList().stream().filter(i -> i.getName().equals(index))
        .findFirst().orElseThrow().getState();
  }

  static void awaitReady(EntityServiceGrpc.EntityServiceBlockingStub entities, String entity,
      String index) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
    while (true) {
      try {
        if (state(entities, entity, index) == IndexState.INDEX_STATE_READY) {
          return;
        }
      } catch (StatusRuntimeException e) {
        // A cluster electing a leader answers UNAVAILABLE for a moment.
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e::toString);
      }
      assertTrue(System.nanoTime() < deadline, "index " + index + " not ready in time");
      Thread.sleep(50);
    }
  }

  /** {@link #DOCS} documents, 500 per request; about one in ten has no age. */
  void load(RunningServer server, Random random, String entity) {
    loadAt(server, random, entity, DOCS);
  }

  void loadAt(RunningServer server, Random random, String entity, int count) {
    List<Mutation> batch = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String id = String.format("d%07d", i);
      Doc doc = randomDoc(random);
      batch.add(setDoc(entity, id, json(id, doc)));
      docs.put(id, doc);
      if (batch.size() == 500 || i == count - 1) {
        assertTrue(server.stub().atomic(AtomicRequest.newBuilder().addAllMutations(batch).build())
            .getOk());
        batch.clear();
      }
    }
  }

  /**
   * One client write: a set or a delete of a document only this writer touches (so what it
   * committed last is what is stored), among the loaded ones and some new ones.
   */
  void write(RunningServer server, Random random, String entity, int writer) {
    write(server, random, entity, writer, DOCS);
  }

  void write(RunningServer server, Random random, String entity, int writer, int count) {
    int n = random.nextInt(count + count / 10 + 1);
    if (n % WRITERS != writer) {
      n += n % WRITERS < writer ? writer - n % WRITERS : WRITERS - n % WRITERS + writer;
    }
    String id = String.format("d%07d", n);
    if (random.nextInt(5) == 0) {
      assertTrue(server.stub().atomic(AtomicRequest.newBuilder()
          .addMutations(deleteDoc(entity, id)).build()).getOk());
      docs.remove(id);
    } else {
      Doc doc = randomDoc(random);
      assertTrue(server.stub().atomic(AtomicRequest.newBuilder()
          .addMutations(setDoc(entity, id, json(id, doc))).build()).getOk());
      docs.put(id, doc);
    }
  }

  static Doc randomDoc(Random random) {
    return new Doc(TEAMS.get(random.nextInt(TEAMS.size())),
        random.nextInt(10) == 0 ? null : 18 + random.nextInt(50));
  }

  static com.google.protobuf.Value json(String id, Doc doc) {
    return doc.age() == null ? obj("name", id, "team", doc.team())
        : obj("name", id, "team", doc.team(), "age", doc.age());
  }

  /**
   * Per team, the index's (age, id) sequence must be the documents with an age, ordered by age
   * then id; and every document must be in the index it was loaded with.
   */
  void assertIndexEqualsScan(EntityServiceGrpc.EntityServiceBlockingStub entities,
      String entity) {
    Map<String, List<String>> expected = new TreeMap<>();
    docs.entrySet().stream().filter(e -> e.getValue().age() != null)
        .sorted(Comparator.comparing((Map.Entry<String, Doc> e) -> e.getValue().age())
            .thenComparing(Map.Entry::getKey))
        .forEach(e -> expected.computeIfAbsent(e.getValue().team(), t -> new ArrayList<>())
            .add(e.getValue().age() + " " + e.getKey()));
    Map<String, List<String>> actual = new TreeMap<>();
    for (String team : TEAMS) {
      List<String> got = new ArrayList<>();
      for (Entry e : queryAll(entities, query(entity, "by-team-age", team).setLimit(1000)
          .build())) {
        int age = (int) e.getValue().getJson().getStructValue().getFieldsOrThrow("age")
            .getNumberValue();
        got.add(age + " " + id(e));
      }
      if (!got.isEmpty()) {
        actual.put(team, got);
      }
    }
    assertEquals(expected.keySet(), actual.keySet());
    for (String team : expected.keySet()) {
      assertEquals(expected.get(team).size(), actual.get(team).size(), "entries of team " + team);
      assertEquals(expected.get(team), actual.get(team), "entries of team " + team);
    }
    assertEquals(docs.size(), queryAll(entities, query(entity, "by-name").setLimit(1000).build())
        .size(), "the index defined before the documents holds each of them");
  }
}
