package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.proto.v1.Check;
import dev.atomkv.proto.v1.Condition;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.Filter;
import dev.atomkv.proto.v1.GetRequest;
import dev.atomkv.proto.v1.Key;
import dev.atomkv.proto.v1.KeyPart;
import dev.atomkv.proto.v1.ListRequest;
import dev.atomkv.proto.v1.ListResponse;
import dev.atomkv.proto.v1.Match;
import dev.atomkv.proto.v1.Mutation;
import dev.atomkv.proto.v1.Operator;
import dev.atomkv.proto.v1.Value;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Raw-wire builders and assertions for the attribute-condition tests (SPEC §3.3, §4): json
 * documents, filters, conditional checks and mutations, and "failed and nothing changed"
 * assertions. Self-contained (uses only {@link RunningServer}); not a test class.
 */
final class ConditionsSupport {
  private ConditionsSupport() {}

  // ---- keys ----

  // ---- json ----

  /**
   * A json value from Java: null → null, String, Number (as double), Boolean, List → array, Map →
   * object, a protobuf Value as is.
   */
  static com.google.protobuf.Value j(Object o) {
    com.google.protobuf.Value.Builder b = com.google.protobuf.Value.newBuilder();
    if (o == null) {
      b.setNullValue(NullValue.NULL_VALUE);
    } else if (o instanceof com.google.protobuf.Value v) {
      return v;
    } else if (o instanceof String s) {
      b.setStringValue(s);
    } else if (o instanceof Number n) {
      b.setNumberValue(n.doubleValue());
    } else if (o instanceof Boolean z) {
      b.setBoolValue(z);
    } else if (o instanceof List<?> list) {
      ListValue.Builder l = ListValue.newBuilder();
      list.forEach(e -> l.addValues(j(e)));
      b.setListValue(l);
    } else if (o instanceof Map<?, ?> map) {
      Struct.Builder s = Struct.newBuilder();
      map.forEach((k, v) -> s.putFields((String) k, j(v)));
      b.setStructValue(s);
    } else {
      throw new IllegalArgumentException("not json: " + o);
    }
    return b.build();
  }

  /** A json object from alternating field names and values (order kept). */
  static com.google.protobuf.Value obj(Object... fieldsAndValues) {
    if (fieldsAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("odd number of arguments");
    }
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < fieldsAndValues.length; i += 2) {
      m.put((String) fieldsAndValues[i], fieldsAndValues[i + 1]);
    }
    return j(m);
  }

  static com.google.protobuf.Value arr(Object... elements) {
    return j(Arrays.asList(elements));
  }

  /** A stored json Value. */
  static Value json(Object o) {
    return Value.newBuilder().setJson(j(o)).build();
  }

  static Value str(String s) {
    return Value.newBuilder().setString(s).build();
  }

  static Value bytes(byte[] b) {
    return Value.newBuilder().setBytes(ByteString.copyFrom(b)).build();
  }

  static Value u64(long v) {
    return Value.newBuilder().setU64(v).build();
  }

  // ---- filters ----

  /** A condition; each operand goes through {@link #j}. */
  static Condition cond(String attribute, Operator op, Object... values) {
    Condition.Builder c = Condition.newBuilder().setAttribute(attribute).setOp(op);
    for (Object v : values) {
      c.addValues(j(v));
    }
    return c.build();
  }

  static Filter all(Condition... conditions) {
    return Filter.newBuilder().setMatch(Match.MATCH_ALL).addAllConditions(List.of(conditions))
        .build();
  }

  static Filter any(Condition... conditions) {
    return Filter.newBuilder().setMatch(Match.MATCH_ANY).addAllConditions(List.of(conditions))
        .build();
  }

  /** MATCH_UNSPECIFIED, which means MATCH_ALL. */
  static Filter unspecified(Condition... conditions) {
    return Filter.newBuilder().addAllConditions(List.of(conditions)).build();
  }

  // ---- checks and mutations ----

  static Check checkWhere(Key key, Filter where) {
    return Check.newBuilder().setKey(key).setWhere(where).build();
  }

  static Mutation setWhere(Key key, Value value, Filter where) {
    return Mutation.newBuilder().setKey(key).setSet(value).setWhere(where).build();
  }

  static Mutation deleteWhere(Key key, Filter where) {
    return Mutation.newBuilder().setKey(key).setDelete(Empty.getDefaultInstance()).setWhere(where)
        .build();
  }

  // ---- reads ----

  static Entry get(RunningServer s, Key key) {
    List<Entry> entries = s.stub().get(GetRequest.newBuilder().addKeys(key).build())
        .getEntriesList();
    assertEquals(1, entries.size());
    return entries.get(0);
  }

  /** Get of several keys in one snapshot (full entries: key, value, versionstamp, expiry). */
  static List<Entry> getAll(RunningServer s, List<Key> keys) {
    return s.stub().get(GetRequest.newBuilder().addAllKeys(keys).build()).getEntriesList();
  }

  /** Every live entry of the database, in key order. */
  static List<Entry> everything(RunningServer s) {
    List<Entry> all = new ArrayList<>();
    String cursor = "";
    do {
      ListResponse page = s.stub().list(ListRequest.newBuilder()
          .setPrefix(Key.getDefaultInstance()).setLimit(1000).setCursor(cursor).build());
      all.addAll(page.getEntriesList());
      cursor = page.getCursor();
    } while (!cursor.isEmpty());
    return all;
  }

  // ---- assertions ----

  /** Commits; asserts ok=true, a 10-byte versionstamp and empty failure lists. */
  static ByteString commit(RunningServer s, AtomicRequest req) {
    AtomicResponse r = s.stub().atomic(req);
    assertTrue(r.getOk(), () -> "expected ok=true, got " + r);
    assertEquals(10, r.getVersionstamp().size(), () -> "versionstamp of " + r);
    assertEquals(List.of(), r.getFailedChecksList(), "failed_checks of an ok answer");
    assertEquals(List.of(), r.getFailedConditionsList(), "failed_conditions of an ok answer");
    return r.getVersionstamp();
  }

  /**
   * Sends a request that must answer ok=false with exactly these failing indexes, no versionstamp,
   * and leave the whole database (values, versionstamps, expiries) exactly as it was.
   */
  static AtomicResponse assertFailedAndUnchanged(RunningServer s, AtomicRequest req,
      List<Integer> failedChecks, List<Integer> failedConditions) {
    List<Entry> before = everything(s);
    AtomicResponse r = s.stub().atomic(req);
    assertFalse(r.getOk(), () -> "expected ok=false, got " + r);
    assertEquals(ByteString.EMPTY, r.getVersionstamp(), "a failed request has no versionstamp");
    assertEquals(failedChecks, r.getFailedChecksList(), () -> "failed_checks of " + r);
    assertEquals(failedConditions, r.getFailedConditionsList(), () -> "failed_conditions of " + r);
    assertEquals(before, everything(s), "a failed request changed the database");
    return r;
  }

  /**
   * Sends a request that must be refused with INVALID_ARGUMENT whose description contains every
   * fragment, leaving the database exactly as it was.
   */
  static StatusRuntimeException assertInvalidAndUnchanged(RunningServer s, AtomicRequest req,
      String... fragments) {
    List<Entry> before = everything(s);
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> s.stub().atomic(req));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), () -> "status of " + e);
    String description = String.valueOf(e.getStatus().getDescription());
    for (String f : fragments) {
      assertTrue(description.contains(f),
          () -> "description \"" + description + "\" should contain \"" + f + "\"");
    }
    assertEquals(before, everything(s), "a refused request changed the database");
    return e;
  }
}
