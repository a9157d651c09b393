package dev.atomkv.it;

import static dev.atomkv.it.ConditionsSupport.all;
import static dev.atomkv.it.ConditionsSupport.any;
import static dev.atomkv.it.ConditionsSupport.arr;
import static dev.atomkv.it.ConditionsSupport.assertFailedAndUnchanged;
import static dev.atomkv.it.ConditionsSupport.assertInvalidAndUnchanged;
import static dev.atomkv.it.ConditionsSupport.bytes;
import static dev.atomkv.it.Wire.checkAbsent;
import static dev.atomkv.it.ConditionsSupport.checkWhere;
import static dev.atomkv.it.ConditionsSupport.commit;
import static dev.atomkv.it.ConditionsSupport.cond;
import static dev.atomkv.it.Wire.delete;
import static dev.atomkv.it.ConditionsSupport.deleteWhere;
import static dev.atomkv.it.ConditionsSupport.everything;
import static dev.atomkv.it.ConditionsSupport.get;
import static dev.atomkv.it.ConditionsSupport.j;
import static dev.atomkv.it.ConditionsSupport.json;
import static dev.atomkv.it.Wire.key;
import static dev.atomkv.it.ConditionsSupport.obj;
import static dev.atomkv.it.Wire.atomic;
import static dev.atomkv.it.Wire.set;
import static dev.atomkv.it.ConditionsSupport.setWhere;
import static dev.atomkv.it.ConditionsSupport.str;
import static dev.atomkv.it.Wire.sum;
import static dev.atomkv.it.ConditionsSupport.u64;
import static dev.atomkv.it.ConditionsSupport.unspecified;
import static dev.atomkv.proto.v1.Operator.OPERATOR_BEGINS_WITH;
import static dev.atomkv.proto.v1.Operator.OPERATOR_BETWEEN;
import static dev.atomkv.proto.v1.Operator.OPERATOR_CONTAINS;
import static dev.atomkv.proto.v1.Operator.OPERATOR_EQUAL_TO;
import static dev.atomkv.proto.v1.Operator.OPERATOR_EXISTS;
import static dev.atomkv.proto.v1.Operator.OPERATOR_GREATER_THAN;
import static dev.atomkv.proto.v1.Operator.OPERATOR_GREATER_THAN_EQUAL_TO;
import static dev.atomkv.proto.v1.Operator.OPERATOR_LESS_THAN;
import static dev.atomkv.proto.v1.Operator.OPERATOR_LESS_THAN_EQUAL_TO;
import static dev.atomkv.proto.v1.Operator.OPERATOR_NOT_CONTAINS;
import static dev.atomkv.proto.v1.Operator.OPERATOR_NOT_EQUAL_TO;
import static dev.atomkv.proto.v1.Operator.OPERATOR_NOT_EXISTS;
import static dev.atomkv.proto.v1.Operator.OPERATOR_UNSPECIFIED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.proto.v1.Check;
import dev.atomkv.proto.v1.Condition;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.Filter;
import dev.atomkv.proto.v1.Key;
import dev.atomkv.proto.v1.Mutation;
import dev.atomkv.proto.v1.Operator;
import dev.atomkv.proto.v1.Value;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SPEC §4 through the real gRPC server: every one of the twelve operators, as a {@code where}
 * check and as the condition of a conditional set and delete, on a match, a non-match, a missing
 * attribute, an attribute of another type than the operand and a nested path; plus the
 * operator-specific rules (code point order, inclusive BETWEEN, CONTAINS on strings and arrays,
 * negations on missing attributes, EXISTS with [true], escaped dots), MATCH_ANY / MATCH_ALL, the
 * key-must-exist rule of checks versus the empty-document rule of conditional mutations, and the
 * INVALID_ARGUMENT answers to malformed filters. Every failure must leave the database as it was.
 */
class ConditionsIT {
  /** The document every table case is evaluated against. */
  static final com.google.protobuf.Value DOC = obj(
      "name", "Ada",
      "age", 36,
      "score", 36.5,
      "zero", 0,
      "tags", arr("a", "b"),
      "nums", arr(1, 2, 3),
      "mixed", arr(1, "1", true),
      "address", obj("city", "Sydney", "zip", "2000", "geo", obj("lat", -33.87)),
      "active", true,
      "nick", null,
      "a.b", 1,
      "a", obj("b", 2),
      "c\\d", "backslash",
      "hi", "\uFFFF",
      "emoji", "\uD83D\uDE00",
      "empty", "",
      "emptyList", arr(),
      "emptyObj", obj());

  static final String EMOJI = "\uD83D\uDE00"; // U+1F600: after U+FFFF by code point, not by UTF-16
  static final String MAX_BMP = "\uFFFF";

  static final Key DOC_KEY = key("doc", "ada");
  static final Value REPLACEMENT = json(obj("replaced", true));

  @TempDir static Path dir;
  static RunningServer server;
  static Entry docEntry;

  @BeforeAll
  static void start() throws Exception {
    server = RunningServer.start(dir);
    ByteString vs = commit(server, atomic(set(DOC_KEY, json(DOC))));
    docEntry = get(server, DOC_KEY);
    assertEquals(vs, docEntry.getVersionstamp());
    assertEquals(json(DOC), docEntry.getValue(), "the document round-trips");
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** No test may change the shared document. */
  @AfterEach
  void documentUntouched() {
    assertEquals(docEntry, get(server, DOC_KEY));
  }

  // ---------------------------------------------------------------------------------------------
  // The table
  // ---------------------------------------------------------------------------------------------

  enum Kind { MATCH, NON_MATCH, MISSING, OTHER_TYPE, NESTED, SPECIFIC }

  /** One condition on {@link #DOC} and whether it holds. */
  record Case(int index, Operator op, Kind kind, boolean holds, String attribute,
      List<Object> values) {
    Condition condition() {
      return cond(attribute, op, values.toArray());
    }

    Filter filter() {
      return all(condition());
    }

    @Override
    public String toString() {
      return "#" + index + " " + op.name().substring("OPERATOR_".length()) + " " + kind + ": "
          + attribute + " " + values.stream().map(ConditionsIT::show).toList() + " -> " + holds;
    }
  }

  static String show(Object v) {
    if (v instanceof String s) {
      return '"' + s.codePoints().mapToObj(cp -> cp < 0x7f && cp >= 0x20
          ? String.valueOf((char) cp) : String.format("U+%04X", cp))
          .collect(Collectors.joining()) + '"';
    }
    return String.valueOf(v);
  }

  static final List<Case> CASES = buildCases();

  static List<Case> cases() {
    return CASES;
  }

  private static List<Case> buildCases() {
    List<Case> t = new ArrayList<>();
    Table c = new Table(t);

    // EQUAL_TO: type-strict equality; missing → false.
    Operator op = OPERATOR_EQUAL_TO;
    c.add(op, Kind.MATCH, true, "name", "Ada");
    c.add(op, Kind.MATCH, true, "age", 36);
    c.add(op, Kind.MATCH, true, "age", 36.0);
    c.add(op, Kind.MATCH, true, "active", true);
    c.add(op, Kind.MATCH, true, "emoji", EMOJI);
    c.add(op, Kind.NON_MATCH, false, "name", "Bob");
    c.add(op, Kind.NON_MATCH, false, "name", "ada");
    c.add(op, Kind.NON_MATCH, false, "age", 37);
    c.add(op, Kind.NON_MATCH, false, "active", false);
    c.add(op, Kind.MISSING, false, "surname", "Ada");
    c.add(op, Kind.MISSING, false, "name.first", "Ada"); // the path runs into a string
    c.add(op, Kind.OTHER_TYPE, false, "age", "36");
    c.add(op, Kind.OTHER_TYPE, false, "address.zip", 2000);
    c.add(op, Kind.OTHER_TYPE, false, "active", "true");
    c.add(op, Kind.OTHER_TYPE, false, "active", 1);
    c.add(op, Kind.OTHER_TYPE, false, "nick", "null");
    c.add(op, Kind.OTHER_TYPE, false, "tags", "a"); // an array is not equal to its element
    c.add(op, Kind.NESTED, true, "address.city", "Sydney");
    c.add(op, Kind.NESTED, false, "address.city", "Melbourne");
    c.add(op, Kind.NESTED, true, "address.geo.lat", -33.87);
    c.add(op, Kind.SPECIFIC, true, "a\\.b", 1); // literal dot: the field "a.b"
    c.add(op, Kind.SPECIFIC, false, "a\\.b", 2);
    c.add(op, Kind.SPECIFIC, true, "a.b", 2); // path: a → b
    c.add(op, Kind.SPECIFIC, false, "a.b", 1);
    c.add(op, Kind.SPECIFIC, true, "c\\\\d", "backslash"); // literal backslash: the field "c\d"
    c.add(op, Kind.SPECIFIC, true, "zero", -0.0);
    c.add(op, Kind.SPECIFIC, true, "empty", "");

    // NOT_EQUAL_TO: the negation; missing → true.
    op = OPERATOR_NOT_EQUAL_TO;
    c.add(op, Kind.MATCH, true, "name", "Bob");
    c.add(op, Kind.MATCH, true, "age", 35);
    c.add(op, Kind.NON_MATCH, false, "name", "Ada");
    c.add(op, Kind.NON_MATCH, false, "age", 36);
    c.add(op, Kind.NON_MATCH, false, "active", true);
    c.add(op, Kind.MISSING, true, "surname", "Ada");
    c.add(op, Kind.MISSING, true, "address.country", "AU");
    c.add(op, Kind.OTHER_TYPE, true, "age", "36");
    c.add(op, Kind.OTHER_TYPE, true, "active", "true");
    c.add(op, Kind.OTHER_TYPE, true, "nick", "x");
    c.add(op, Kind.NESTED, false, "address.city", "Sydney");
    c.add(op, Kind.NESTED, true, "address.city", "Perth");
    c.add(op, Kind.SPECIFIC, false, "a\\.b", 1);
    c.add(op, Kind.SPECIFIC, true, "a\\.b", 2);

    // GREATER_THAN: numbers numerically, strings by code point; other type or missing → false.
    op = OPERATOR_GREATER_THAN;
    c.add(op, Kind.MATCH, true, "age", 35);
    c.add(op, Kind.MATCH, true, "age", 35.99);
    c.add(op, Kind.MATCH, true, "name", "Ab");
    c.add(op, Kind.MATCH, true, "name", "ADA");
    c.add(op, Kind.MATCH, true, "name", "");
    c.add(op, Kind.NON_MATCH, false, "age", 36);
    c.add(op, Kind.NON_MATCH, false, "age", 40);
    c.add(op, Kind.NON_MATCH, false, "name", "Ada");
    c.add(op, Kind.NON_MATCH, false, "name", "B");
    c.add(op, Kind.NON_MATCH, false, "name", "Adam");
    c.add(op, Kind.MISSING, false, "surname", "A");
    c.add(op, Kind.MISSING, false, "height", -1000);
    c.add(op, Kind.OTHER_TYPE, false, "age", "1");
    c.add(op, Kind.OTHER_TYPE, false, "name", 1);
    c.add(op, Kind.OTHER_TYPE, false, "tags", "a");
    c.add(op, Kind.OTHER_TYPE, false, "active", 0);
    c.add(op, Kind.OTHER_TYPE, false, "nick", "");
    c.add(op, Kind.NESTED, true, "address.city", "Perth");
    c.add(op, Kind.NESTED, false, "address.city", "Sydney");
    c.add(op, Kind.NESTED, true, "address.geo.lat", -34);
    c.add(op, Kind.SPECIFIC, true, "emoji", MAX_BMP); // UTF-16 order would say false
    c.add(op, Kind.SPECIFIC, false, "hi", EMOJI); // UTF-16 order would say true
    c.add(op, Kind.SPECIFIC, false, "empty", "");

    // GREATER_THAN_EQUAL_TO
    op = OPERATOR_GREATER_THAN_EQUAL_TO;
    c.add(op, Kind.MATCH, true, "age", 36);
    c.add(op, Kind.MATCH, true, "age", 35);
    c.add(op, Kind.MATCH, true, "name", "Ada");
    c.add(op, Kind.NON_MATCH, false, "age", 36.5);
    c.add(op, Kind.NON_MATCH, false, "name", "Adb");
    c.add(op, Kind.MISSING, false, "surname", "");
    c.add(op, Kind.OTHER_TYPE, false, "age", "36");
    c.add(op, Kind.OTHER_TYPE, false, "name", 0);
    c.add(op, Kind.OTHER_TYPE, false, "nums", 1);
    c.add(op, Kind.NESTED, true, "address.zip", "2000");
    c.add(op, Kind.NESTED, false, "address.zip", "2001");
    c.add(op, Kind.SPECIFIC, true, "emoji", MAX_BMP);
    c.add(op, Kind.SPECIFIC, false, "hi", EMOJI);
    c.add(op, Kind.SPECIFIC, true, "emoji", EMOJI);

    // LESS_THAN: other type must be false too (not "less than by accident").
    op = OPERATOR_LESS_THAN;
    c.add(op, Kind.MATCH, true, "age", 37);
    c.add(op, Kind.MATCH, true, "age", 36.01);
    c.add(op, Kind.MATCH, true, "name", "B");
    c.add(op, Kind.MATCH, true, "name", "Adam");
    c.add(op, Kind.NON_MATCH, false, "age", 36);
    c.add(op, Kind.NON_MATCH, false, "name", "Ada");
    c.add(op, Kind.NON_MATCH, false, "name", "A");
    c.add(op, Kind.MISSING, false, "surname", "zzz");
    c.add(op, Kind.MISSING, false, "height", 1000);
    c.add(op, Kind.OTHER_TYPE, false, "age", "99");
    c.add(op, Kind.OTHER_TYPE, false, "name", 99);
    c.add(op, Kind.OTHER_TYPE, false, "tags", "z");
    c.add(op, Kind.OTHER_TYPE, false, "address", "z");
    c.add(op, Kind.OTHER_TYPE, false, "nick", 1);
    c.add(op, Kind.NESTED, true, "address.geo.lat", 0);
    c.add(op, Kind.NESTED, false, "address.city", "Sydney");
    c.add(op, Kind.SPECIFIC, true, "hi", EMOJI); // UTF-16 order would say false
    c.add(op, Kind.SPECIFIC, false, "emoji", MAX_BMP); // UTF-16 order would say true

    // LESS_THAN_EQUAL_TO
    op = OPERATOR_LESS_THAN_EQUAL_TO;
    c.add(op, Kind.MATCH, true, "age", 36);
    c.add(op, Kind.MATCH, true, "age", 36.5);
    c.add(op, Kind.MATCH, true, "name", "Ada");
    c.add(op, Kind.NON_MATCH, false, "age", 35);
    c.add(op, Kind.NON_MATCH, false, "name", "Ad");
    c.add(op, Kind.MISSING, false, "surname", "zzz");
    c.add(op, Kind.OTHER_TYPE, false, "age", "36");
    c.add(op, Kind.OTHER_TYPE, false, "address.zip", 9999);
    c.add(op, Kind.NESTED, true, "address.zip", "2000");
    c.add(op, Kind.NESTED, false, "address.zip", "1999");
    c.add(op, Kind.SPECIFIC, true, "hi", EMOJI);
    c.add(op, Kind.SPECIFIC, false, "emoji", MAX_BMP);
    c.add(op, Kind.SPECIFIC, true, "hi", MAX_BMP);

    // BETWEEN: [a, b], both ends included; a > b matches nothing.
    op = OPERATOR_BETWEEN;
    c.add(op, Kind.MATCH, true, "age", 30, 40);
    c.add(op, Kind.MATCH, true, "age", 36, 40); // lower end included
    c.add(op, Kind.MATCH, true, "age", 30, 36); // upper end included
    c.add(op, Kind.MATCH, true, "age", 36, 36);
    c.add(op, Kind.MATCH, true, "name", "A", "B");
    c.add(op, Kind.MATCH, true, "name", "Ada", "Ada");
    c.add(op, Kind.NON_MATCH, false, "age", 37, 40);
    c.add(op, Kind.NON_MATCH, false, "age", 30, 35.99);
    c.add(op, Kind.NON_MATCH, false, "age", 40, 30); // reversed bounds: nothing lies between
    c.add(op, Kind.NON_MATCH, false, "name", "B", "C");
    c.add(op, Kind.NON_MATCH, false, "name", "Adb", "Z");
    c.add(op, Kind.MISSING, false, "surname", "A", "Z");
    c.add(op, Kind.MISSING, false, "height", -1e9, 1e9);
    c.add(op, Kind.OTHER_TYPE, false, "age", "30", "40");
    c.add(op, Kind.OTHER_TYPE, false, "name", 0, 100);
    c.add(op, Kind.OTHER_TYPE, false, "address.zip", 1000, 3000);
    c.add(op, Kind.OTHER_TYPE, false, "nums", 0, 10);
    c.add(op, Kind.NESTED, true, "address.zip", "1000", "3000");
    c.add(op, Kind.NESTED, true, "address.geo.lat", -40, -30);
    c.add(op, Kind.NESTED, false, "address.city", "A", "M");
    c.add(op, Kind.SPECIFIC, true, "emoji", MAX_BMP, "\uD83D\uDE01"); // UTF-16: false
    c.add(op, Kind.SPECIFIC, false, "emoji", "\uE000", MAX_BMP); // UTF-16: true
    c.add(op, Kind.SPECIFIC, true, "hi", "\uE000", EMOJI);

    // BEGINS_WITH: string prefix only.
    op = OPERATOR_BEGINS_WITH;
    c.add(op, Kind.MATCH, true, "name", "A");
    c.add(op, Kind.MATCH, true, "name", "Ada");
    c.add(op, Kind.MATCH, true, "name", "");
    c.add(op, Kind.NON_MATCH, false, "name", "a");
    c.add(op, Kind.NON_MATCH, false, "name", "Adam");
    c.add(op, Kind.NON_MATCH, false, "name", "d");
    c.add(op, Kind.MISSING, false, "surname", "A");
    c.add(op, Kind.MISSING, false, "surname", "");
    c.add(op, Kind.OTHER_TYPE, false, "age", "3");
    c.add(op, Kind.OTHER_TYPE, false, "tags", "a");
    c.add(op, Kind.OTHER_TYPE, false, "active", "t");
    c.add(op, Kind.OTHER_TYPE, false, "nick", "");
    c.add(op, Kind.NESTED, true, "address.city", "Syd");
    c.add(op, Kind.NESTED, false, "address.city", "Mel");
    c.add(op, Kind.SPECIFIC, true, "emoji", EMOJI);
    c.add(op, Kind.SPECIFIC, false, "a\\.b", "1"); // a number has no prefix

    // CONTAINS: substring of a string, element of an array; other type or missing → false.
    op = OPERATOR_CONTAINS;
    c.add(op, Kind.MATCH, true, "name", "d");
    c.add(op, Kind.MATCH, true, "name", "Ada");
    c.add(op, Kind.MATCH, true, "name", "");
    c.add(op, Kind.MATCH, true, "tags", "a");
    c.add(op, Kind.MATCH, true, "nums", 2);
    c.add(op, Kind.MATCH, true, "mixed", true);
    c.add(op, Kind.MATCH, true, "mixed", "1");
    c.add(op, Kind.MATCH, true, "mixed", 1);
    c.add(op, Kind.NON_MATCH, false, "name", "x");
    c.add(op, Kind.NON_MATCH, false, "name", "ada");
    c.add(op, Kind.NON_MATCH, false, "tags", "c");
    c.add(op, Kind.NON_MATCH, false, "tags", "A");
    c.add(op, Kind.NON_MATCH, false, "nums", 4);
    c.add(op, Kind.NON_MATCH, false, "emptyList", "a");
    c.add(op, Kind.MISSING, false, "surname", "a");
    c.add(op, Kind.MISSING, false, "address.country", "");
    c.add(op, Kind.OTHER_TYPE, false, "nums", "2");
    c.add(op, Kind.OTHER_TYPE, false, "tags", true);
    c.add(op, Kind.OTHER_TYPE, false, "name", 1);
    c.add(op, Kind.OTHER_TYPE, false, "age", 3);
    c.add(op, Kind.OTHER_TYPE, false, "age", "3");
    c.add(op, Kind.OTHER_TYPE, false, "active", true);
    c.add(op, Kind.OTHER_TYPE, false, "address", "city");
    c.add(op, Kind.NESTED, true, "address.city", "dne");
    c.add(op, Kind.NESTED, false, "address.city", "Mel");
    c.add(op, Kind.SPECIFIC, true, "emoji", EMOJI);

    // NOT_CONTAINS: the negation; missing → true.
    op = OPERATOR_NOT_CONTAINS;
    c.add(op, Kind.MATCH, true, "name", "x");
    c.add(op, Kind.MATCH, true, "tags", "c");
    c.add(op, Kind.MATCH, true, "emptyList", "a");
    c.add(op, Kind.NON_MATCH, false, "name", "d");
    c.add(op, Kind.NON_MATCH, false, "tags", "a");
    c.add(op, Kind.NON_MATCH, false, "nums", 2);
    c.add(op, Kind.MISSING, true, "surname", "a");
    c.add(op, Kind.MISSING, true, "address.country", "");
    c.add(op, Kind.OTHER_TYPE, true, "nums", "2");
    c.add(op, Kind.OTHER_TYPE, true, "name", 1);
    c.add(op, Kind.OTHER_TYPE, true, "age", 3);
    c.add(op, Kind.NESTED, false, "address.city", "dne");
    c.add(op, Kind.NESTED, true, "address.city", "Mel");

    // EXISTS: no value or [true]; null counts as present.
    op = OPERATOR_EXISTS;
    c.add(op, Kind.MATCH, true, "name");
    c.add(op, Kind.MATCH, true, "name", true);
    c.add(op, Kind.MATCH, true, "emptyObj");
    c.add(op, Kind.NON_MATCH, false, "name.first"); // runs into a string
    c.add(op, Kind.NON_MATCH, false, "tags.0"); // arrays are not objects
    c.add(op, Kind.MISSING, false, "surname");
    c.add(op, Kind.MISSING, false, "surname", true);
    c.add(op, Kind.OTHER_TYPE, true, "nick"); // a null-valued attribute is present
    c.add(op, Kind.OTHER_TYPE, true, "nick", true);
    c.add(op, Kind.OTHER_TYPE, true, "emptyList");
    c.add(op, Kind.OTHER_TYPE, true, "empty");
    c.add(op, Kind.NESTED, true, "address.city");
    c.add(op, Kind.NESTED, true, "address.geo.lat", true);
    c.add(op, Kind.NESTED, false, "address.country");
    c.add(op, Kind.NESTED, false, "address.geo.lng", true);
    c.add(op, Kind.SPECIFIC, true, "a\\.b");
    c.add(op, Kind.SPECIFIC, true, "a.b");
    c.add(op, Kind.SPECIFIC, false, "a.b.c");
    c.add(op, Kind.SPECIFIC, true, "c\\\\d");
    c.add(op, Kind.SPECIFIC, false, "c\\.d");

    // NOT_EXISTS
    op = OPERATOR_NOT_EXISTS;
    c.add(op, Kind.MATCH, true, "surname");
    c.add(op, Kind.MATCH, true, "surname", true);
    c.add(op, Kind.NON_MATCH, false, "name");
    c.add(op, Kind.NON_MATCH, false, "name", true);
    c.add(op, Kind.MISSING, true, "name.first");
    c.add(op, Kind.MISSING, true, "tags.0");
    c.add(op, Kind.OTHER_TYPE, false, "nick");
    c.add(op, Kind.OTHER_TYPE, false, "emptyObj", true);
    c.add(op, Kind.NESTED, true, "address.country");
    c.add(op, Kind.NESTED, false, "address.city", true);
    c.add(op, Kind.NESTED, false, "address.geo.lat");
    c.add(op, Kind.SPECIFIC, false, "a\\.b");
    c.add(op, Kind.SPECIFIC, true, "a\\.c");
    return List.copyOf(t);
  }

  /** Appends cases with running indexes. */
  private record Table(List<Case> cases) {
    void add(Operator op, Kind kind, boolean holds, String attribute, Object... values) {
      cases.add(new Case(cases.size(), op, kind, holds, attribute, List.of(values)));
    }
  }

  @Test
  void theTableCoversEveryOperatorAndEveryKind() {
    Map<Operator, Set<Kind>> seen = new TreeMap<>();
    Map<Operator, Set<Boolean>> outcomes = new TreeMap<>();
    for (Case c : CASES) {
      seen.computeIfAbsent(c.op(), o -> EnumSet.noneOf(Kind.class)).add(c.kind());
      outcomes.computeIfAbsent(c.op(), o -> new java.util.HashSet<>()).add(c.holds());
    }
    for (Operator op : Operator.values()) {
      if (op == OPERATOR_UNSPECIFIED || op == Operator.UNRECOGNIZED) {
        continue;
      }
      assertTrue(seen.containsKey(op), "no case for " + op);
      for (Kind k : List.of(Kind.MATCH, Kind.NON_MATCH, Kind.MISSING, Kind.OTHER_TYPE,
          Kind.NESTED)) {
        assertTrue(seen.get(op).contains(k), op + " has no " + k + " case");
      }
      assertEquals(Set.of(true, false), outcomes.get(op), op + " needs both outcomes");
    }
    assertEquals(CASES.size(), CASES.stream().map(Case::index).distinct().count());
  }

  /** A where check: holds → ok and the request's set is written; else failed_checks=[0]. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void asWhereCheck(Case c) {
    Key marker = key("marker", "check", c.index());
    AtomicRequest req = atomic(List.of(checkWhere(DOC_KEY, c.filter())),
        List.of(set(marker, str("written"))));
    if (c.holds()) {
      ByteString vs = commit(server, req);
      Entry written = get(server, marker);
      assertEquals(str("written"), written.getValue());
      assertEquals(vs, written.getVersionstamp());
    } else {
      assertFailedAndUnchanged(server, req, List.of(0), List.of());
      assertFalse(get(server, marker).hasValue());
    }
  }

  /** The same filter on a conditional set of a copy of the document. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void asConditionalSet(Case c) {
    Key k = key("copy", "set", c.index());
    commit(server, atomic(set(k, json(DOC))));
    Entry before = get(server, k);
    AtomicRequest req = atomic(setWhere(k, REPLACEMENT, c.filter()));
    if (c.holds()) {
      ByteString vs = commit(server, req);
      Entry after = get(server, k);
      assertEquals(REPLACEMENT, after.getValue());
      assertEquals(vs, after.getVersionstamp());
    } else {
      assertFailedAndUnchanged(server, req, List.of(), List.of(0));
      assertEquals(before, get(server, k));
    }
  }

  /** The same filter on a conditional delete of a copy of the document, next to a plain set. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void asConditionalDelete(Case c) {
    Key k = key("copy", "delete", c.index());
    Key other = key("copy", "delete-side", c.index());
    commit(server, atomic(set(k, json(DOC))));
    Entry before = get(server, k);
    AtomicRequest req = atomic(set(other, u64(1)), deleteWhere(k, c.filter()));
    if (c.holds()) {
      commit(server, req);
      assertFalse(get(server, k).hasValue());
      assertEquals(u64(1), get(server, other).getValue());
    } else {
      assertFailedAndUnchanged(server, req, List.of(), List.of(1));
      assertEquals(before, get(server, k));
      assertFalse(get(server, other).hasValue());
    }
  }

  /**
   * Every case at once: 100 where checks per request, and the same cases as conditional sets in
   * one request; the answer lists exactly the failing indexes, ascending.
   */
  @Test
  void manyCasesInOneRequestReportExactlyTheFailingIndexes() {
    for (int from = 0; from < CASES.size(); from += 100) {
      List<Case> chunk = CASES.subList(from, Math.min(CASES.size(), from + 100));
      List<Check> checks = chunk.stream().map(c -> checkWhere(DOC_KEY, c.filter())).toList();
      List<Integer> failing = new ArrayList<>();
      for (int i = 0; i < chunk.size(); i++) {
        if (!chunk.get(i).holds()) {
          failing.add(i);
        }
      }
      if (!failing.isEmpty()) {
        assertFailedAndUnchanged(server,
            atomic(checks, List.of(set(key("bulk", "marker"), u64(1)))), failing, List.of());
      }
      // Only the holding ones: the request commits.
      List<Check> holding = chunk.stream().filter(Case::holds)
          .map(c -> checkWhere(DOC_KEY, c.filter())).toList();
      commit(server, atomic(holding, List.of()));
    }

    List<Mutation> seed = new ArrayList<>();
    List<Mutation> conditional = new ArrayList<>();
    List<Integer> failing = new ArrayList<>();
    for (Case c : CASES) {
      Key k = key("bulk", c.index());
      seed.add(set(k, json(DOC)));
      conditional.add(c.index() % 2 == 0
          ? setWhere(k, REPLACEMENT, c.filter()) : deleteWhere(k, c.filter()));
      if (!c.holds()) {
        failing.add(c.index());
      }
    }
    commit(server, atomic(seed.toArray(Mutation[]::new)));
    assertFailedAndUnchanged(server, atomic(List.of(), conditional), List.of(), failing);
  }

  // ---------------------------------------------------------------------------------------------
  // Match
  // ---------------------------------------------------------------------------------------------

  @Test
  void matchAllNeedsEveryConditionMatchAnyNeedsOne() {
    Condition yes = cond("name", OPERATOR_EQUAL_TO, "Ada");
    Condition yes2 = cond("address.city", OPERATOR_BEGINS_WITH, "Syd");
    Condition no = cond("age", OPERATOR_GREATER_THAN, 40);
    Condition noMissing = cond("surname", OPERATOR_EXISTS);

    List<Filter> holding = List.of(all(yes), all(yes, yes2), unspecified(yes, yes2), any(yes),
        any(yes, no), any(no, yes), any(no, noMissing, yes2), any(yes, yes2));
    List<Filter> failing = List.of(all(no), all(yes, no), all(no, yes), unspecified(yes, no),
        all(yes, yes2, noMissing), any(no), any(no, noMissing), unspecified(noMissing));

    List<Check> checks = new ArrayList<>();
    holding.forEach(f -> checks.add(checkWhere(DOC_KEY, f)));
    failing.forEach(f -> checks.add(checkWhere(DOC_KEY, f)));
    List<Integer> expectedFailed = new ArrayList<>();
    for (int i = holding.size(); i < checks.size(); i++) {
      expectedFailed.add(i);
    }
    assertFailedAndUnchanged(server, atomic(checks, List.of()), expectedFailed, List.of());
    commit(server, atomic(checks.subList(0, holding.size()), List.of()));

    // The same filters as conditional sets.
    List<Mutation> seed = new ArrayList<>();
    List<Mutation> conditional = new ArrayList<>();
    List<Filter> filters = new ArrayList<>(holding);
    filters.addAll(failing);
    for (int i = 0; i < filters.size(); i++) {
      seed.add(set(key("match", i), json(DOC)));
      conditional.add(setWhere(key("match", i), REPLACEMENT, filters.get(i)));
    }
    commit(server, atomic(seed.toArray(Mutation[]::new)));
    assertFailedAndUnchanged(server, atomic(List.of(), conditional), List.of(), expectedFailed);
    commit(server, atomic(List.of(), conditional.subList(0, holding.size())));
    for (int i = 0; i < filters.size(); i++) {
      assertEquals(i < holding.size() ? REPLACEMENT : json(DOC),
          get(server, key("match", i)).getValue(), "match " + i);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Checks need a json value; conditional mutations see an empty document
  // ---------------------------------------------------------------------------------------------

  @Test
  void whereCheckOnMissingKeyFailsEvenWhenTheFilterWouldMatchNothing() {
    Key missing = key("nobody", "here");
    Filter matchesEmpty = all(cond("name", OPERATOR_NOT_EXISTS));
    Filter notEqual = all(cond("name", OPERATOR_NOT_EQUAL_TO, "Ada"));
    Filter notContains = all(cond("tags", OPERATOR_NOT_CONTAINS, "x"));
    assertFailedAndUnchanged(server,
        atomic(List.of(checkWhere(missing, matchesEmpty), checkWhere(DOC_KEY, all(
            cond("name", OPERATOR_EXISTS))), checkWhere(missing, notEqual),
            checkWhere(missing, notContains)), List.of(set(key("w", "m"), u64(1)))),
        List.of(0, 2, 3), List.of());
  }

  @Test
  void whereCheckOnNonJsonValueFails() {
    Key s = key("nonjson", "string");
    Key b = key("nonjson", "bytes");
    Key n = key("nonjson", "u64");
    commit(server, atomic(set(s, str("Ada")), set(b, bytes(new byte[] {1, 2})), set(n, u64(36))));
    Filter matchesEmpty = all(cond("name", OPERATOR_NOT_EXISTS));
    for (Key k : List.of(s, b, n)) {
      assertFailedAndUnchanged(server,
          atomic(List.of(checkWhere(k, matchesEmpty)), List.of(set(key("w", "m"), u64(1)))),
          List.of(0), List.of());
      // The same filter as a mutation condition sees an empty document: it holds.
      Entry before = get(server, k);
      assertFailedAndUnchanged(server,
          atomic(setWhere(k, json("x"), all(cond("name", OPERATOR_EXISTS)))),
          List.of(), List.of(0));
      assertEquals(before, get(server, k));
    }
    ByteString vs = commit(server, atomic(setWhere(s, json(obj("name", "Ada")), matchesEmpty),
        deleteWhere(b, all(cond("x", OPERATOR_NOT_EQUAL_TO, 1))),
        setWhere(n, json(1), all(cond("x", OPERATOR_NOT_CONTAINS, "y")))));
    assertEquals(json(obj("name", "Ada")), get(server, s).getValue());
    assertFalse(get(server, b).hasValue());
    assertEquals(vs, get(server, n).getVersionstamp());
  }

  /** A json value that is not an object: every attribute is missing, but the check can hold. */
  @Test
  void whereCheckOnNonObjectJsonSeesEveryAttributeMissing() {
    Key scalar = key("json", "scalar");
    Key list = key("json", "list");
    commit(server, atomic(set(scalar, json("Ada")), set(list, json(List.of("a", "b")))));
    assertFailedAndUnchanged(server,
        atomic(List.of(checkWhere(scalar, all(cond("name", OPERATOR_NOT_EXISTS))),
            checkWhere(scalar, all(cond("name", OPERATOR_EXISTS))),
            checkWhere(list, all(cond("tags", OPERATOR_NOT_CONTAINS, "a"))),
            checkWhere(list, all(cond("0", OPERATOR_EQUAL_TO, "a")))), List.of()),
        List.of(1, 3), List.of());
    commit(server, atomic(List.of(checkWhere(scalar, all(cond("name", OPERATOR_NOT_EXISTS))),
        checkWhere(list, all(cond("tags", OPERATOR_NOT_CONTAINS, "a")))), List.of()));
  }

  @Test
  void conditionalSetOnMissingKeySeesAnEmptyDocument() {
    Key k = key("create-only", 1);
    Value v1 = json(obj("id", 1, "owner", "ada"));
    Filter createOnly = all(cond("id", OPERATOR_NOT_EXISTS));

    // EXISTS on a missing key fails, and nothing is written.
    assertFailedAndUnchanged(server, atomic(setWhere(k, v1, all(cond("id", OPERATOR_EXISTS)))),
        List.of(), List.of(0));
    assertFalse(get(server, k).hasValue());
    // EQUAL_TO on a missing attribute fails; NOT_EQUAL_TO holds.
    assertFailedAndUnchanged(server,
        atomic(setWhere(k, v1, all(cond("owner", OPERATOR_EQUAL_TO, "ada")))),
        List.of(), List.of(0));

    // NOT_EXISTS holds: create.
    ByteString vs = commit(server, atomic(setWhere(k, v1, createOnly)));
    Entry created = get(server, k);
    assertEquals(v1, created.getValue());
    assertEquals(vs, created.getVersionstamp());

    // Create-only a second time: the document now has "id", the condition fails.
    assertFailedAndUnchanged(server,
        atomic(setWhere(k, json(obj("id", 2, "owner", "eve")), createOnly)),
        List.of(), List.of(0));
    assertEquals(created, get(server, k));

    // Update only if the owner matches.
    Value v2 = json(obj("id", 1, "owner", "ada", "n", 2));
    commit(server, atomic(setWhere(k, v2, all(cond("owner", OPERATOR_EQUAL_TO, "ada")))));
    assertEquals(v2, get(server, k).getValue());

    // A conditional delete of a missing key: NOT_EQUAL_TO on the empty document holds.
    Key gone = key("create-only", 2);
    commit(server, atomic(deleteWhere(gone, all(cond("owner", OPERATOR_NOT_EQUAL_TO, "x")))));
    assertFalse(get(server, gone).hasValue());
    assertFailedAndUnchanged(server,
        atomic(deleteWhere(gone, all(cond("owner", OPERATOR_BEGINS_WITH, "")))),
        List.of(), List.of(0));
  }

  /** An expired key is missing: a where check on it fails, a condition sees an empty document. */
  @Test
  void expiredKeyIsMissingForChecksAndConditions() throws Exception {
    Key k = key("expiring", 1);
    Value doc = json(obj("name", "Ada"));
    commit(server, atomic(Mutation.newBuilder().setKey(k).setSet(doc).setExpireInMs(1).build()));
    Thread.sleep(30);
    assertFailedAndUnchanged(server,
        atomic(List.of(checkWhere(k, all(cond("name", OPERATOR_EQUAL_TO, "Ada"))),
            checkWhere(k, all(cond("name", OPERATOR_NOT_EXISTS)))), List.of()),
        List.of(0, 1), List.of());
    assertFailedAndUnchanged(server,
        atomic(setWhere(k, doc, all(cond("name", OPERATOR_EXISTS)))), List.of(), List.of(0));
    ByteString vs = commit(server, atomic(setWhere(k, doc, all(cond("name", OPERATOR_NOT_EXISTS)))));
    Entry e = get(server, k);
    assertEquals(doc, e.getValue());
    assertEquals(vs, e.getVersionstamp());
    assertEquals(0, e.getExpiresAtMs(), "the conditional set without expiry does not expire");
  }

  /**
   * NaN is not a json number (SPEC: json NaN and infinities are rejected), so a NaN operand must
   * either be refused or compare false. The server answers 36 > NaN and 36 >= NaN as true.
   */
  /** JSON has no NaN or infinities, so an operand that is one is malformed, not a comparison. */
  @Test
  void nonFiniteOperandsAreRefused() {
    for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
      for (Operator op : List.of(OPERATOR_GREATER_THAN, OPERATOR_GREATER_THAN_EQUAL_TO,
          OPERATOR_LESS_THAN, OPERATOR_LESS_THAN_EQUAL_TO, OPERATOR_EQUAL_TO)) {
        AtomicRequest req = atomic(List.of(checkWhere(DOC_KEY, all(cond("age", op, bad)))),
            List.of(set(key("nan", "marker"), u64(1))));
        List<Entry> before = everything(server);
        io.grpc.StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
            io.grpc.StatusRuntimeException.class, () -> server.stub().atomic(req));
        assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("checks[0].where.conditions[0]: values must be finite numbers",
            e.getStatus().getDescription());
        assertEquals(before, everything(server));
      }
    }
  }

  /** Checks and conditions see the state before the request, not earlier mutations in it. */
  @Test
  void conditionsSeeTheStateBeforeTheRequest() {
    Key k = key("before", 1);
    commit(server, atomic(set(k, json(obj("name", "Ada")))));
    Entry before = get(server, k);
    // mutation 0 would make mutation 1's condition true, but conditions see the old state.
    assertFailedAndUnchanged(server,
        atomic(List.of(checkWhere(k, all(cond("name", OPERATOR_EQUAL_TO, "Ada")))), List.of(
            set(k, json(obj("name", "Bob"))),
            setWhere(k, json(obj("name", "Cy")), all(cond("name", OPERATOR_EQUAL_TO, "Bob"))))),
        List.of(), List.of(1));
    assertEquals(before, get(server, k));
    // And the other way round: the old state matches even though mutation 0 changes it.
    commit(server, atomic(set(k, json(obj("name", "Bob"))),
        setWhere(k, json(obj("name", "Cy")), all(cond("name", OPERATOR_EQUAL_TO, "Ada")))));
    assertEquals(json(obj("name", "Cy")), get(server, k).getValue());
  }

  /** A failed condition stops every kind of mutation in the request, sum included. */
  @Test
  void anyFailureWritesNothing() {
    Key counter = key("fail", "counter");
    Key doc = key("fail", "doc");
    Key fresh = key("fail", "fresh");
    commit(server, atomic(sum(counter, 5), set(doc, json(obj("v", 1)))));
    AtomicResponse r = assertFailedAndUnchanged(server, atomic(
        List.of(checkAbsent(fresh), checkWhere(doc, all(cond("v", OPERATOR_EQUAL_TO, 1)))),
        List.of(sum(counter, 1), set(fresh, str("x")), delete(doc),
            setWhere(doc, json(obj("v", 2)), all(cond("v", OPERATOR_EQUAL_TO, 2))),
            deleteWhere(counter, all(cond("v", OPERATOR_NOT_EXISTS))))),
        List.of(), List.of(3));
    assertTrue(r.getVersionstamp().isEmpty());
    assertEquals(u64(5), get(server, counter).getValue());
    assertFalse(get(server, fresh).hasValue());
  }

  // ---------------------------------------------------------------------------------------------
  // Malformed filters
  // ---------------------------------------------------------------------------------------------

  @Test
  void malformedFiltersAreInvalidArgumentNamingTheIndexAndTheProblem() {
    Key k = key("malformed", 1);
    Check good = checkWhere(DOC_KEY, all(cond("name", OPERATOR_EXISTS)));
    Mutation goodSet = set(key("malformed", 2), str("x"));

    // No conditions.
    assertInvalidAndUnchanged(server,
        atomic(List.of(good, good, checkWhere(DOC_KEY, Filter.getDefaultInstance())),
            List.of(goodSet)),
        "checks[2]", "at least one condition");
    assertInvalidAndUnchanged(server,
        atomic(goodSet, setWhere(k, str("x"), any())), "mutations[1]", "at least one condition");
    assertInvalidAndUnchanged(server,
        atomic(goodSet, goodSet, deleteWhere(k, all())), "mutations[2]",
        "at least one condition");

    // Wrong number of values.
    assertBadCondition(OPERATOR_EQUAL_TO, List.of(), "EQUAL_TO", "1 value", "got 0");
    assertBadCondition(OPERATOR_EQUAL_TO, List.of("a", "b"), "EQUAL_TO", "1 value", "got 2");
    assertBadCondition(OPERATOR_NOT_EQUAL_TO, List.of(), "NOT_EQUAL_TO", "got 0");
    assertBadCondition(OPERATOR_GREATER_THAN, List.of(1, 2), "GREATER_THAN", "got 2");
    assertBadCondition(OPERATOR_LESS_THAN_EQUAL_TO, List.of(), "LESS_THAN_EQUAL_TO", "got 0");
    assertBadCondition(OPERATOR_BETWEEN, List.of(1), "BETWEEN", "2 values", "got 1");
    assertBadCondition(OPERATOR_BETWEEN, List.of(1, 2, 3), "BETWEEN", "2 values", "got 3");
    assertBadCondition(OPERATOR_BEGINS_WITH, List.of(), "BEGINS_WITH", "got 0");
    assertBadCondition(OPERATOR_CONTAINS, List.of("a", "b"), "CONTAINS", "got 2");
    assertBadCondition(OPERATOR_NOT_CONTAINS, List.of(), "NOT_CONTAINS", "got 0");
    assertBadCondition(OPERATOR_EXISTS, List.of(true, true), "EXISTS", "got 2");
    assertBadCondition(OPERATOR_EXISTS, List.of(false), "EXISTS", "got 1");
    assertBadCondition(OPERATOR_NOT_EXISTS, List.of("yes"), "NOT_EXISTS", "got 1");

    // Wrong value type.
    assertBadCondition(OPERATOR_EQUAL_TO, java.util.Collections.singletonList(null),
        "EQUAL_TO", "type null");
    assertBadCondition(OPERATOR_EQUAL_TO, List.of(arr("a")), "EQUAL_TO", "type array");
    assertBadCondition(OPERATOR_NOT_EQUAL_TO, List.of(obj("a", 1)), "NOT_EQUAL_TO", "type object");
    assertBadCondition(OPERATOR_GREATER_THAN, List.of(true), "GREATER_THAN", "type bool");
    assertBadCondition(OPERATOR_LESS_THAN, List.of(arr(1)), "LESS_THAN", "type array");
    assertBadCondition(OPERATOR_GREATER_THAN_EQUAL_TO, List.of(false), "GREATER_THAN_EQUAL_TO",
        "type bool");
    assertBadCondition(OPERATOR_BETWEEN, List.of(true, false), "BETWEEN", "type bool");
    assertBadCondition(OPERATOR_BETWEEN, List.of(1, "2"), "BETWEEN", "one type");
    assertBadCondition(OPERATOR_BEGINS_WITH, List.of(1), "BEGINS_WITH", "type number");
    assertBadCondition(OPERATOR_BEGINS_WITH, List.of(true), "BEGINS_WITH", "type bool");
    assertBadCondition(OPERATOR_CONTAINS, List.of(arr("a")), "CONTAINS", "type array");
    assertBadCondition(OPERATOR_NOT_CONTAINS, java.util.Collections.singletonList(null),
        "NOT_CONTAINS", "type null");

    // OPERATOR_UNSPECIFIED and an unknown operator number.
    Condition unspecifiedOp = Condition.newBuilder().setAttribute("name").build();
    Condition unknownOp = Condition.newBuilder().setAttribute("name").setOpValue(99)
        .addValues(j("Ada")).build();
    assertInvalidAndUnchanged(server,
        atomic(List.of(good, checkWhere(DOC_KEY, all(cond("name", OPERATOR_EXISTS),
            unspecifiedOp))), List.of(goodSet)),
        "checks[1]", "conditions[1]", "operator");
    assertInvalidAndUnchanged(server,
        atomic(goodSet, setWhere(k, str("x"), all(unknownOp))),
        "mutations[1]", "conditions[0]", "operator");

    // An unknown match value.
    assertInvalidAndUnchanged(server,
        atomic(List.of(checkWhere(DOC_KEY, all(cond("name", OPERATOR_EXISTS)).toBuilder()
            .setMatchValue(7).build())), List.of(goodSet)),
        "checks[0]", "match");

    // where on a sum (and min/max) mutation.
    Filter f = all(cond("name", OPERATOR_NOT_EXISTS));
    assertInvalidAndUnchanged(server,
        atomic(goodSet, sum(k, 1).toBuilder().setWhere(f).build()),
        "mutations[1]", "where", "set and delete only");
    assertInvalidAndUnchanged(server,
        atomic(Mutation.newBuilder().setKey(k).setMin(1).setWhere(f).build()),
        "mutations[0]", "set and delete only");
    assertInvalidAndUnchanged(server,
        atomic(goodSet, goodSet, Mutation.newBuilder().setKey(k).setMax(1).setWhere(f).build()),
        "mutations[2]", "set and delete only");

    // Bad attributes: empty, an empty field name, a bad escape.
    assertInvalidAndUnchanged(server,
        atomic(List.of(checkWhere(DOC_KEY, all(cond("", OPERATOR_EXISTS)))), List.of(goodSet)),
        "checks[0]", "attribute must not be empty");
    assertInvalidAndUnchanged(server,
        atomic(goodSet, deleteWhere(k, all(cond("name", OPERATOR_EXISTS),
            cond("", OPERATOR_EQUAL_TO, 1)))),
        "mutations[1]", "conditions[1]", "attribute must not be empty");
    for (String bad : List.of("a..b", ".a", "a.", ".")) {
      assertInvalidAndUnchanged(server,
          atomic(List.of(checkWhere(DOC_KEY, all(cond(bad, OPERATOR_EXISTS)))), List.of()),
          "checks[0]", "empty field name");
    }
    for (String bad : List.of("a\\", "a\\b")) {
      assertInvalidAndUnchanged(server,
          atomic(List.of(checkWhere(DOC_KEY, all(cond(bad, OPERATOR_EXISTS)))), List.of()),
          "checks[0]", "escape");
    }
    assertTrue(everything(server).stream().noneMatch(e -> e.getKey().equals(k)
        || e.getKey().equals(key("malformed", 2))), "nothing was written");
  }

  /** One bad condition, as a check (index 1) and as a set (index 2) and delete (index 0). */
  private void assertBadCondition(Operator op, List<Object> values, String... fragments) {
    Condition bad = cond("name", op, values.toArray());
    Check good = checkWhere(DOC_KEY, all(cond("name", OPERATOR_EXISTS)));
    Key k = key("malformed", 1);
    List<String> asCheck = new ArrayList<>(List.of("checks[1]", "conditions[0]"));
    asCheck.addAll(List.of(fragments));
    assertInvalidAndUnchanged(server,
        atomic(List.of(good, checkWhere(DOC_KEY, all(bad))), List.of(set(k, str("x")))),
        asCheck.toArray(String[]::new));
    List<String> asSet = new ArrayList<>(List.of("mutations[2]", "conditions[1]"));
    asSet.addAll(List.of(fragments));
    assertInvalidAndUnchanged(server,
        atomic(set(k, str("x")), delete(k),
            setWhere(k, str("y"), any(cond("name", OPERATOR_EXISTS), bad))),
        asSet.toArray(String[]::new));
    List<String> asDelete = new ArrayList<>(List.of("mutations[0]", "conditions[0]"));
    asDelete.addAll(List.of(fragments));
    assertInvalidAndUnchanged(server, atomic(deleteWhere(DOC_KEY, all(bad)), set(k, str("x"))),
        asDelete.toArray(String[]::new));
  }
}
