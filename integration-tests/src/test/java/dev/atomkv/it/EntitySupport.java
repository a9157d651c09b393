package dev.atomkv.it;

import static dev.atomkv.it.ConditionsSupport.j;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.proto.v1.Attribute;
import dev.atomkv.proto.v1.AttributeType;
import dev.atomkv.proto.v1.Check;
import dev.atomkv.proto.v1.EntityDefinition;
import dev.atomkv.proto.v1.EntityIndex;
import dev.atomkv.proto.v1.EntityServiceGrpc;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.Filter;
import dev.atomkv.proto.v1.Key;
import dev.atomkv.proto.v1.KeyPart;
import dev.atomkv.proto.v1.Mutation;
import dev.atomkv.proto.v1.QueryRequest;
import dev.atomkv.proto.v1.QueryResponse;
import dev.atomkv.proto.v1.RangeCondition;
import dev.atomkv.proto.v1.RangeOperator;
import dev.atomkv.proto.v1.Value;
import java.util.ArrayList;
import java.util.List;

/** Requests and readings for the custom entity tests. */
final class EntitySupport {
  private EntitySupport() {}

  static Attribute attr(String name, AttributeType type) {
    return Attribute.newBuilder().setName(name).setType(type).build();
  }

  static EntityIndex index(String name, String range, String... partition) {
    return EntityIndex.newBuilder().setName(name).setRange(range)
        .addAllPartition(List.of(partition)).build();
  }

  static EntityDefinition def(String name, List<Attribute> attributes, EntityIndex... indexes) {
    return EntityDefinition.newBuilder().setName(name).addAllAttributes(attributes)
        .addAllIndexes(List.of(indexes)).build();
  }

  static Key docKey(String id) {
    return Key.newBuilder().addParts(KeyPart.newBuilder().setString(id)).build();
  }

  static String id(Entry e) {
    return e.getKey().getParts(0).getString();
  }

  static Mutation setDoc(String entity, String id, com.google.protobuf.Value doc) {
    return Mutation.newBuilder().setEntity(entity).setKey(docKey(id))
        .setSet(Value.newBuilder().setJson(doc)).build();
  }

  static Mutation setDocExpiring(String entity, String id, com.google.protobuf.Value doc,
      long expireInMs) {
    return setDoc(entity, id, doc).toBuilder().setExpireInMs(expireInMs).build();
  }

  static Mutation setDocWhere(String entity, String id, com.google.protobuf.Value doc,
      Filter where) {
    return setDoc(entity, id, doc).toBuilder().setWhere(where).build();
  }

  static Mutation deleteDoc(String entity, String id) {
    return Mutation.newBuilder().setEntity(entity).setKey(docKey(id))
        .setDelete(com.google.protobuf.Empty.getDefaultInstance()).build();
  }

  static Mutation deleteDocWhere(String entity, String id, Filter where) {
    return deleteDoc(entity, id).toBuilder().setWhere(where).build();
  }

  static Check checkDoc(String entity, String id, Filter where) {
    return Check.newBuilder().setEntity(entity).setKey(docKey(id)).setWhere(where).build();
  }

  static Check checkDocAbsent(String entity, String id) {
    return Check.newBuilder().setEntity(entity).setKey(docKey(id))
        .setAbsent(com.google.protobuf.Empty.getDefaultInstance()).build();
  }

  static RangeCondition where(RangeOperator op, Object... values) {
    RangeCondition.Builder b = RangeCondition.newBuilder().setOp(op);
    for (Object v : values) {
      b.addValues(j(v));
    }
    return b.build();
  }

  static QueryRequest.Builder query(String entity, String index, Object... partition) {
    QueryRequest.Builder b = QueryRequest.newBuilder().setEntity(entity).setIndex(index);
    for (Object p : partition) {
      b.addPartition(j(p));
    }
    return b;
  }

  /** Every result of the query, following cursors to the end. */
  static List<Entry> queryAll(EntityServiceGrpc.EntityServiceBlockingStub stub,
      QueryRequest request) {
    List<Entry> all = new ArrayList<>();
    String cursor = "";
    for (int pages = 0; ; pages++) {
      assertTrue(pages < 100_000, "cursor loop");
      QueryResponse r = stub.query(request.toBuilder().setCursor(cursor).build());
      all.addAll(r.getResultsList());
      if (r.getCursor().isEmpty()) {
        return all;
      }
      cursor = r.getCursor();
    }
  }

  static List<String> ids(List<Entry> entries) {
    return entries.stream().map(EntitySupport::id).toList();
  }
}
