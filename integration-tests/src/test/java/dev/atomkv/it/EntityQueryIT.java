package dev.atomkv.it;

import static dev.atomkv.it.ConditionsSupport.cond;
import static dev.atomkv.it.ConditionsSupport.j;
import static dev.atomkv.it.EntitySupport.attr;
import static dev.atomkv.it.EntitySupport.checkDocAbsent;
import static dev.atomkv.it.EntitySupport.def;
import static dev.atomkv.it.EntitySupport.deleteDoc;
import static dev.atomkv.it.EntitySupport.ids;
import static dev.atomkv.it.EntitySupport.index;
import static dev.atomkv.it.EntitySupport.query;
import static dev.atomkv.it.EntitySupport.queryAll;
import static dev.atomkv.it.EntitySupport.setDoc;
import static dev.atomkv.it.EntitySupport.where;
import static dev.atomkv.proto.v1.AttributeType.ATTRIBUTE_TYPE_BOOLEAN;
import static dev.atomkv.proto.v1.AttributeType.ATTRIBUTE_TYPE_FLOAT;
import static dev.atomkv.proto.v1.AttributeType.ATTRIBUTE_TYPE_INTEGER;
import static dev.atomkv.proto.v1.AttributeType.ATTRIBUTE_TYPE_STRING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.proto.v1.Consistency;
import dev.atomkv.proto.v1.DefineEntityRequest;
import dev.atomkv.proto.v1.EntityDefinition;
import dev.atomkv.proto.v1.EntityServiceGrpc;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.Filter;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.Mutation;
import dev.atomkv.proto.v1.Operator;
import dev.atomkv.proto.v1.QueryRequest;
import dev.atomkv.proto.v1.RangeOperator;
import dev.atomkv.proto.v1.SortOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Queries against a brute-force scan: random documents (attributes sometimes missing) are
 * written, overwritten, deleted and refused in random requests, and after each round random
 * queries (every index, partition, where operator, filter, order and limit, across pages) must
 * return exactly what filtering and sorting the model gives. Also on a three-member cluster,
 * where every member's index must agree.
 */
class EntityQueryIT {
  static final String[] TEAMS = {"red", "blue", "green"};
  static final double[] SCORES = {-1e10, -2.5, -1e-100, 0, 1e-100, 0.5, 1, 2.5, 1e100};
  static final String[] INDEXES = {"by-age", "by-name", "by-score", "by-team-age",
      "by-flag-name"};
  static final String[] RANGE = {"age", "name", "score", "age", "name"};
  static final String[] PARTITION = {null, null, null, "team", "flag"};

  @TempDir Path dir;

  static EntityDefinition definition() {
    return def("rand", List.of(attr("name", ATTRIBUTE_TYPE_STRING),
        attr("age", ATTRIBUTE_TYPE_INTEGER), attr("score", ATTRIBUTE_TYPE_FLOAT),
        attr("team", ATTRIBUTE_TYPE_STRING), attr("flag", ATTRIBUTE_TYPE_BOOLEAN)),
        index("by-age", "age"), index("by-name", "name"), index("by-score", "score"),
        index("by-team-age", "age", "team"), index("by-flag-name", "name", "flag"));
  }

  @Test
  void everyQueryMatchesABruteForceScan() throws Exception {
    long seed = Long.getLong("atomkv.test.seed", 20261207L);
    System.out.println("EntityQueryIT seed=" + seed + " (rerun with -Datomkv.test.seed=" + seed
        + ")");
    Random r = new Random(seed);
    try (RunningServer server = RunningServer.start(dir)) {
      EntityServiceGrpc.EntityServiceBlockingStub entities =
          EntityServiceGrpc.newBlockingStub(server.channel());
      entities.defineEntity(DefineEntityRequest.newBuilder().setDefinition(definition()).build());
      Map<String, Map<String, Object>> model = new TreeMap<>();
      int results = 0;
      for (int round = 0; round < 25; round++) {
        writeRound(r, server.stub(), model);
        for (int q = 0; q < 25; q++) {
          results += compare(r, entities, model, Consistency.CONSISTENCY_STRONG, "seed " + seed
              + " round " + round + " query " + q);
        }
      }
      assertTrue(results > 500, "the queries found documents: " + results);
    }
  }

  @Test
  void clusterMembersKeepTheSameIndexes() throws Exception {
    long seed = Long.getLong("atomkv.test.seed", 20261207L);
    System.out.println("EntityQueryIT cluster seed=" + seed + " (rerun with -Datomkv.test.seed="
        + seed + ")");
    Random r = new Random(seed);
    try (TestCluster cluster = TestCluster.start(dir, "entity-it", 3)) {
      cluster.awaitLeader();
      EntityServiceGrpc.EntityServiceBlockingStub first =
          EntityServiceGrpc.newBlockingStub(cluster.node(0).channel());
      // Retried while the members settle who leads.
      long deadline = System.currentTimeMillis() + TestCluster.WAIT_MS;
      while (true) {
        try {
          first.withDeadlineAfter(10, TimeUnit.SECONDS).defineEntity(
              DefineEntityRequest.newBuilder().setDefinition(definition()).build());
          break;
        } catch (io.grpc.StatusRuntimeException e) {
          if (System.currentTimeMillis() > deadline) {
            throw e;
          }
          Thread.sleep(100);
        }
      }
      Map<String, Map<String, Object>> model = new TreeMap<>();
      for (int round = 0; round < 6; round++) {
        writeRound(r, cluster.node(round % 3).stub(), model);
        for (int q = 0; q < 10; q++) {
          long querySeed = r.nextLong();
          for (int member = 0; member < 3; member++) {
            compare(new Random(querySeed), EntityServiceGrpc.newBlockingStub(
                cluster.node(member).channel()), model, Consistency.CONSISTENCY_STRONG,
                "seed " + seed + " round " + round + " member " + member);
          }
        }
      }
    }
  }

  /** One random request of several writes, or a refused one; the model follows what commits. */
  static void writeRound(Random r, KvServiceGrpc.KvServiceBlockingStub kv,
      Map<String, Map<String, Object>> model) {
    for (int request = 0; request < 4; request++) {
      Map<String, Map<String, Object>> next = new TreeMap<>(model);
      AtomicRequest.Builder b = AtomicRequest.newBuilder();
      for (int m = r.nextInt(6) + 1; m > 0; m--) {
        String id = "d" + r.nextInt(40);
        if (r.nextInt(4) == 0) {
          b.addMutations(deleteDoc("rand", id));
          next.remove(id);
        } else {
          Map<String, Object> doc = randomDoc(r);
          b.addMutations(setDoc("rand", id, j(doc)));
          next.put(id, doc);
        }
      }
      int outcome = r.nextInt(8);
      if (outcome == 0 && !model.isEmpty()) {
        // A check that fails: nothing is written.
        b.addChecks(checkDocAbsent("rand", model.keySet().iterator().next()));
        AtomicResponse resp = kv.atomic(b.build());
        assertFalse(resp.getOk());
      } else if (outcome == 1) {
        // A document of the wrong type: the request is refused whole.
        b.addMutations(setDoc("rand", "bad", j(Map.of("age", "old"))));
        try {
          kv.atomic(b.build());
          throw new AssertionError("a mistyped document was accepted");
        } catch (io.grpc.StatusRuntimeException e) {
          assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        }
      } else {
        assertTrue(kv.atomic(b.build()).getOk());
        model.clear();
        model.putAll(next);
      }
    }
  }

  static Map<String, Object> randomDoc(Random r) {
    Map<String, Object> doc = new LinkedHashMap<>();
    if (r.nextInt(6) != 0) {
      doc.put("name", randomName(r));
    }
    if (r.nextInt(6) != 0) {
      doc.put("age", r.nextInt(12) - 3);
    }
    if (r.nextInt(6) != 0) {
      doc.put("score", SCORES[r.nextInt(SCORES.length)]);
    }
    if (r.nextInt(6) != 0) {
      doc.put("team", TEAMS[r.nextInt(TEAMS.length)]);
    }
    if (r.nextInt(6) != 0) {
      doc.put("flag", r.nextBoolean());
    }
    if (r.nextInt(3) == 0) {
      doc.put("extra", List.of(r.nextInt(3)));
    }
    return doc;
  }

  static String randomName(Random r) {
    StringBuilder s = new StringBuilder();
    for (int n = r.nextInt(4); n > 0; n--) {
      s.append("abé".charAt(r.nextInt(3)));
    }
    return s.toString();
  }

  /** A random query, read page by page, against the model filtered and sorted. */
  static int compare(Random r, EntityServiceGrpc.EntityServiceBlockingStub entities,
      Map<String, Map<String, Object>> model, Consistency consistency, String context) {
    int i = r.nextInt(INDEXES.length);
    String range = RANGE[i];
    QueryRequest.Builder q = query("rand", INDEXES[i]).setConsistency(consistency);
    Predicate<Map<String, Object>> expected = d -> d.get(range) != null;
    if (PARTITION[i] != null) {
      Object p = PARTITION[i].equals("team") ? TEAMS[r.nextInt(TEAMS.length)] : r.nextBoolean();
      q.addPartition(j(p));
      String attribute = PARTITION[i];
      expected = expected.and(d -> p.equals(d.get(attribute)));
    }
    if (r.nextInt(5) != 0) {
      RangeOperator op = RangeOperator.forNumber(r.nextInt(7) + 1);
      if (op == RangeOperator.RANGE_OPERATOR_BEGINS_WITH && !range.equals("name")) {
        op = RangeOperator.RANGE_OPERATOR_EQUAL_TO;
      }
      Object a = operand(r, range);
      Object b = operand(r, range);
      q.setWhere(op == RangeOperator.RANGE_OPERATOR_BETWEEN ? where(op, a, b) : where(op, a));
      RangeOperator o = op;
      expected = expected.and(d -> rangeHolds(o, d.get(range), a, b));
    }
    if (r.nextInt(3) == 0) {
      int over = r.nextInt(10) - 3;
      q.setFilter(Filter.newBuilder().addConditions(cond("age", Operator.OPERATOR_GREATER_THAN,
          over)));
      expected = expected.and(d -> d.get("age") instanceof Integer a && a > over);
    }
    boolean desc = r.nextBoolean();
    q.setSort(desc ? SortOrder.SORT_ORDER_DESC : SortOrder.SORT_ORDER_ASC);
    q.setLimit(r.nextInt(7) + 1);

    Comparator<Map.Entry<String, Map<String, Object>>> order =
        Comparator.comparing(e -> e.getValue().get(range), EntityQueryIT::compareValues);
    order = order.thenComparing(Map.Entry::getKey);
    if (desc) {
      order = order.reversed();
    }
    Predicate<Map<String, Object>> want = expected;
    List<Map.Entry<String, Map<String, Object>>> brute = model.entrySet().stream()
        .filter(e -> want.test(e.getValue())).sorted(order).toList();
    List<Entry> got = queryAll(entities, q.build());
    assertEquals(brute.stream().map(Map.Entry::getKey).toList(), ids(got),
        context + ": " + q.build());
    for (int k = 0; k < got.size(); k++) {
      assertEquals(j(brute.get(k).getValue()), got.get(k).getValue().getJson(), context);
    }
    return got.size();
  }

  static Object operand(Random r, String range) {
    return switch (range) {
      case "age" -> r.nextInt(12) - 3;
      case "score" -> SCORES[r.nextInt(SCORES.length)];
      default -> randomName(r);
    };
  }

  static boolean rangeHolds(RangeOperator op, Object v, Object a, Object b) {
    int c = compareValues(v, a);
    return switch (op) {
      case RANGE_OPERATOR_EQUAL_TO -> c == 0;
      case RANGE_OPERATOR_BEGINS_WITH -> ((String) v).startsWith((String) a);
      case RANGE_OPERATOR_BETWEEN -> c >= 0 && compareValues(v, b) <= 0;
      case RANGE_OPERATOR_GREATER_THAN -> c > 0;
      case RANGE_OPERATOR_GREATER_THAN_EQUAL_TO -> c >= 0;
      case RANGE_OPERATOR_LESS_THAN -> c < 0;
      case RANGE_OPERATOR_LESS_THAN_EQUAL_TO -> c <= 0;
      default -> throw new IllegalStateException(op.toString());
    };
  }

  /** Numbers numerically, strings by code point (all test names are in the BMP). */
  @SuppressWarnings("unchecked")
  static int compareValues(Object x, Object y) {
    if (x instanceof Number n && y instanceof Number m) {
      return Double.compare(n.doubleValue() + 0.0, m.doubleValue() + 0.0);
    }
    return ((Comparable<Object>) x).compareTo(y);
  }
}
