package dev.atomkv.bench.atomkv;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import dev.atomkv.bench.core.AsyncOp;
import dev.atomkv.bench.core.Outcome;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.proto.v1.Attribute;
import dev.atomkv.proto.v1.AttributeType;
import dev.atomkv.proto.v1.DefineEntityRequest;
import dev.atomkv.proto.v1.EntityDefinition;
import dev.atomkv.proto.v1.EntityIndex;
import dev.atomkv.proto.v1.EntityServiceGrpc;
import dev.atomkv.proto.v1.Key;
import dev.atomkv.proto.v1.KeyPart;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.ListRequest;
import dev.atomkv.proto.v1.ListResponse;
import dev.atomkv.proto.v1.Mutation;
import dev.atomkv.proto.v1.QueryRequest;
import dev.atomkv.proto.v1.QueryResponse;
import dev.atomkv.proto.v1.RangeCondition;
import dev.atomkv.proto.v1.RangeOperator;
import dev.atomkv.proto.v1.Value;
import io.grpc.ManagedChannel;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The custom-entity cases, each beside the plain-key case it is compared with in the same run:
 *
 * <ul>
 *   <li>{@code query}: Query of entity {@value #QUERY_ENTITY} (one index, {@code by-score}, over
 *       {@value #QUERY_DOCS} documents) for a range of 100 scores, 100 results per call; beside
 *       it {@code list_docs}: List of 100 plain keys out of {@value #QUERY_DOCS} holding the same
 *       documents.
 *   <li>{@code entity_set}: Atomic set of a document of entity {@value #WRITE_ENTITY} (two
 *       indexes: {@code by-age}, and {@code by-team-score} partitioned by team) with new indexed
 *       values, so both entries move; beside it {@code plain_set}: Atomic set of a plain key to a
 *       document of the same size. Both over {@value #WRITE_DOCS} keys written before.
 * </ul>
 *
 * <p>Documents are json objects of about 150 bytes: {@code name, score, age, team, note}. The
 * query documents have score = their key's number, so loading them in key order appends to the
 * documents and to the index alike (one pass, large batches).
 */
final class EntityLoad {
  static final String QUERY_ENTITY = "bench-query";
  static final String WRITE_ENTITY = "bench-write";
  static final int QUERY_DOCS = 1_000_000;
  static final int WRITE_DOCS = 100_000;
  static final int PAGE = 100;
  private static final int PER_REQUEST = 1000;
  private static final int LOAD_IN_FLIGHT = 8;
  private static final long DEADLINE_MS = 10_000;
  private static final String NOTE = "a note that is not indexed, to give the document some body";

  private final KvServiceGrpc.KvServiceStub kv;
  private final EntityServiceGrpc.EntityServiceStub entities;
  private final EntityServiceGrpc.EntityServiceBlockingStub define;
  /** Told the versionstamp of every acknowledged timed write (for batch counts). */
  private final Consumer<ByteString> committed;

  EntityLoad(ManagedChannel channel, Consumer<ByteString> committed) {
    this.kv = KvServiceGrpc.newStub(channel);
    this.entities = EntityServiceGrpc.newStub(channel);
    this.define = EntityServiceGrpc.newBlockingStub(channel);
    this.committed = committed;
  }

  // ---- data --------------------------------------------------------------------------------------

  private static Key key(String space, long n) {
    return Key.newBuilder().addParts(KeyPart.newBuilder().setString(space))
        .addParts(KeyPart.newBuilder().setInt(n)).build();
  }

  private static com.google.protobuf.Value num(long n) {
    return com.google.protobuf.Value.newBuilder().setNumberValue(n).build();
  }

  private static com.google.protobuf.Value str(String s) {
    return com.google.protobuf.Value.newBuilder().setStringValue(s).build();
  }

  /** A document; every field has a fixed width, so all documents have the same size. */
  static Value document(long n, long score, long age, int team) {
    Struct doc = Struct.newBuilder()
        .putFields("name", str(String.format("doc-%07d", n)))
        .putFields("score", num(score))
        .putFields("age", num(age))
        .putFields("team", str(String.format("team-%02d", team)))
        .putFields("note", str(NOTE))
        .build();
    return Value.newBuilder().setJson(com.google.protobuf.Value.newBuilder().setStructValue(doc))
        .build();
  }

  private static Value queryDocument(int n) {
    return document(n, n, 20 + n % 50, n % 20);
  }

  private static Attribute attribute(String name, AttributeType type) {
    return Attribute.newBuilder().setName(name).setType(type).build();
  }

  private static EntityDefinition.Builder definition(String name) {
    return EntityDefinition.newBuilder().setName(name)
        .addAttributes(attribute("name", AttributeType.ATTRIBUTE_TYPE_STRING))
        .addAttributes(attribute("score", AttributeType.ATTRIBUTE_TYPE_INTEGER))
        .addAttributes(attribute("age", AttributeType.ATTRIBUTE_TYPE_INTEGER))
        .addAttributes(attribute("team", AttributeType.ATTRIBUTE_TYPE_STRING));
  }

  /**
   * Defines both entities and writes the query documents, the plain keys that mirror them, and
   * the documents and plain keys of the write cases: 1000 sets per Atomic, 8 Atomics in flight.
   */
  Map<String, Object> preload() throws Exception {
    long t0 = System.nanoTime();
    define.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS).defineEntity(
        DefineEntityRequest.newBuilder().setDefinition(definition(QUERY_ENTITY)
            .addIndexes(EntityIndex.newBuilder().setName("by-score").setRange("score"))).build());
    define.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS).defineEntity(
        DefineEntityRequest.newBuilder().setDefinition(definition(WRITE_ENTITY)
            .addIndexes(EntityIndex.newBuilder().setName("by-age").setRange("age"))
            .addIndexes(EntityIndex.newBuilder().setName("by-team-score").setRange("score")
                .addPartition("team"))).build());
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("query_documents_secs", load(QUERY_DOCS, n -> Mutation.newBuilder()
        .setEntity(QUERY_ENTITY).setKey(key("d", n)).setSet(queryDocument(n)).build()));
    out.put("list_keys_secs", load(QUERY_DOCS, n -> Mutation.newBuilder()
        .setKey(key("p", n)).setSet(queryDocument(n)).build()));
    out.put("write_documents_secs", load(WRITE_DOCS, n -> Mutation.newBuilder()
        .setEntity(WRITE_ENTITY).setKey(key("w", n)).setSet(queryDocument(n)).build()));
    out.put("write_keys_secs", load(WRITE_DOCS, n -> Mutation.newBuilder()
        .setKey(key("pw", n)).setSet(queryDocument(n)).build()));
    out.put("query_documents", QUERY_DOCS);
    out.put("write_documents", WRITE_DOCS);
    out.put("document_bytes", queryDocument(0).getJson().getSerializedSize());
    out.put("secs", (System.nanoTime() - t0) / 1e9);
    return out;
  }

  private interface MutationOf {
    Mutation of(int n);
  }

  private double load(int count, MutationOf mutation) throws Exception {
    long t0 = System.nanoTime();
    Deque<CompletableFuture<AtomicResponse>> pending = new ArrayDeque<>();
    for (int from = 0; from < count; from += PER_REQUEST) {
      AtomicRequest.Builder req = AtomicRequest.newBuilder();
      for (int n = from; n < Math.min(count, from + PER_REQUEST); n++) {
        req.addMutations(mutation.of(n));
      }
      pending.add(Calls.call(kv.withDeadlineAfter(60, TimeUnit.SECONDS)::atomic, req.build()));
      while (pending.size() > (from + PER_REQUEST < count ? LOAD_IN_FLIGHT : 0)) {
        if (!pending.removeFirst().get(120, TimeUnit.SECONDS).getOk()) {
          throw new IllegalStateException("preload commit refused");
        }
      }
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  // ---- the scenarios -----------------------------------------------------------------------------

  /** The operation of a scenario, or null when the scenario is not one of these. */
  AsyncOp op(String scenario) {
    return switch (scenario) {
      case "query" -> this::query;
      case "list_docs" -> this::listDocs;
      case "entity_set" -> done -> set(Mutation.newBuilder().setEntity(WRITE_ENTITY), "w", done);
      case "plain_set" -> done -> set(Mutation.newBuilder(), "pw", done);
      default -> null;
    };
  }

  static boolean writes(String scenario) {
    return scenario.equals("entity_set") || scenario.equals("plain_set");
  }

  /** Scores from..from+99: 100 documents, one page, no cursor left. */
  private void query(AsyncOp.Completion done) {
    int from = ThreadLocalRandom.current().nextInt(QUERY_DOCS - PAGE + 1);
    QueryRequest req = QueryRequest.newBuilder().setEntity(QUERY_ENTITY).setIndex("by-score")
        .setWhere(RangeCondition.newBuilder().setOp(RangeOperator.RANGE_OPERATOR_BETWEEN)
            .addValues(num(from)).addValues(num(from + PAGE - 1)))
        .setLimit(PAGE).build();
    entities.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS).query(req,
        new Calls.Observer<>(done) {
          @Override
          public void onNext(QueryResponse resp) {
            boolean full = resp.getResultsCount() == PAGE && resp.getCursor().isEmpty();
            done.complete(full ? Outcome.OK : Outcome.NOT_OK, null);
          }
        });
  }

  /** Keys p/from..p/from+99 of the same documents: the same page size over plain keys. */
  private void listDocs(AsyncOp.Completion done) {
    int from = ThreadLocalRandom.current().nextInt(QUERY_DOCS - PAGE + 1);
    ListRequest req = ListRequest.newBuilder().setStart(key("p", from))
        .setEnd(key("p", from + PAGE)).setLimit(PAGE).build();
    kv.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS).list(req, new Calls.Observer<>(done) {
      @Override
      public void onNext(ListResponse resp) {
        boolean full = resp.getEntriesCount() == PAGE && resp.getCursor().isEmpty();
        done.complete(full ? Outcome.OK : Outcome.NOT_OK, null);
      }
    });
  }

  /** A random key of the space gets a document with new score, age and team. */
  private void set(Mutation.Builder m, String space, AsyncOp.Completion done) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    int n = r.nextInt(WRITE_DOCS);
    AtomicRequest req = AtomicRequest.newBuilder().addMutations(m.setKey(key(space, n))
        .setSet(document(n, r.nextInt(QUERY_DOCS), 20 + r.nextInt(50), r.nextInt(20)))).build();
    kv.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS).atomic(req, new Calls.Observer<>(done) {
      @Override
      public void onNext(AtomicResponse resp) {
        if (resp.getOk()) {
          committed.accept(resp.getVersionstamp());
        }
        done.complete(resp.getOk() ? Outcome.OK : Outcome.NOT_OK, null);
      }
    });
  }
}
