package dev.atomkv.it;

import static dev.atomkv.it.ConditionsSupport.all;
import static dev.atomkv.it.ConditionsSupport.any;
import static dev.atomkv.it.ConditionsSupport.assertFailedAndUnchanged;
import static dev.atomkv.it.Wire.checkAbsent;
import static dev.atomkv.it.Wire.checkVersionstamp;
import static dev.atomkv.it.ConditionsSupport.checkWhere;
import static dev.atomkv.it.ConditionsSupport.commit;
import static dev.atomkv.it.ConditionsSupport.cond;
import static dev.atomkv.it.Wire.delete;
import static dev.atomkv.it.ConditionsSupport.deleteWhere;
import static dev.atomkv.it.ConditionsSupport.everything;
import static dev.atomkv.it.ConditionsSupport.get;
import static dev.atomkv.it.ConditionsSupport.getAll;
import static dev.atomkv.it.ConditionsSupport.json;
import static dev.atomkv.it.Wire.key;
import static dev.atomkv.it.ConditionsSupport.obj;
import static dev.atomkv.it.Wire.atomic;
import static dev.atomkv.it.Wire.set;
import static dev.atomkv.it.ConditionsSupport.setWhere;
import static dev.atomkv.proto.v1.Operator.OPERATOR_BEGINS_WITH;
import static dev.atomkv.proto.v1.Operator.OPERATOR_EQUAL_TO;
import static dev.atomkv.proto.v1.Operator.OPERATOR_EXISTS;
import static dev.atomkv.proto.v1.Operator.OPERATOR_GREATER_THAN;
import static dev.atomkv.proto.v1.Operator.OPERATOR_NOT_EXISTS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.proto.v1.Check;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.Filter;
import dev.atomkv.proto.v1.Key;
import dev.atomkv.proto.v1.Mutation;
import dev.atomkv.proto.v1.Value;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Forge documentation's Custom Entity Store transaction (employees 1–5: a plain set, a set
 * conditional on surname and nationality, a delete, a conditional delete and a check), through the
 * real gRPC server, in its passing and failing forms; and a request mixing a versionstamp check,
 * where checks and conditional mutations, whose answer must name exactly the failing indexes.
 */
class ForgeTransactionIT {
  static final Key E1 = key("employee1");
  static final Key E2 = key("employee2");
  static final Key E3 = key("employee3");
  static final Key E4 = key("employee4");
  static final Key E5 = key("employee5");
  static final List<Key> EMPLOYEES = List.of(E1, E2, E3, E4, E5);

  static Value employee(String surname, int age, int year, String gender, String nationality) {
    return json(obj("surname", surname, "age", age, "employmentyear", year, "gender", gender,
        "nationality", nationality));
  }

  static final Value DAVIS = employee("Davis", 30, 2022, "male", "Australian");
  static final Value SCOTT = employee("Scott", 30, 2022, "male", "Australian");

  /** The premade filter the docs reuse: surname begins with "S". */
  static final Filter SURNAME_S = all(cond("surname", OPERATOR_BEGINS_WITH, "S"));

  @TempDir Path dir;
  RunningServer server;

  @BeforeEach
  void start() throws Exception {
    server = RunningServer.start(dir);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** Employees 1–5 as stored before the transaction; employee5 is the one the check reads. */
  void populate(Value e2, Value e4, Value e5) {
    commit(server, atomic(
        set(E1, employee("Doe", 41, 2015, "female", "British")),
        set(E2, e2),
        set(E3, employee("Brown", 28, 2020, "male", "Canadian")),
        set(E4, e4),
        set(E5, e5)));
  }

  /**
   * The docs' transaction: mutations [0] set employee1, [1] set employee2 if surname begins with
   * "S" and nationality begins with "A", [2] delete employee3, [3] delete employee4 with the
   * premade surname filter; checks [0] employee5's surname begins with "S" and age is over 25.
   */
  static AtomicRequest forgeExample() {
    return atomic(
        List.of(checkWhere(E5, all(cond("surname", OPERATOR_BEGINS_WITH, "S"),
            cond("age", OPERATOR_GREATER_THAN, 25)))),
        List.of(
            set(E1, DAVIS),
            setWhere(E2, SCOTT, all(cond("surname", OPERATOR_BEGINS_WITH, "S"),
                cond("nationality", OPERATOR_BEGINS_WITH, "A"))),
            delete(E3),
            deleteWhere(E4, SURNAME_S)));
  }

  static final Value E2_MATCHING = employee("Smith", 35, 2019, "male", "American");
  static final Value E2_WRONG_SURNAME = employee("Jones", 35, 2019, "male", "American");
  static final Value E2_WRONG_NATIONALITY = employee("Smith", 35, 2019, "male", "British");
  static final Value E4_MATCHING = employee("Stone", 52, 2001, "female", "Irish");
  static final Value E4_NOT_MATCHING = employee("Taylor", 52, 2001, "female", "Irish");
  static final Value E5_MATCHING = employee("Singh", 33, 2018, "female", "Indian");
  static final Value E5_TOO_YOUNG = employee("Singh", 22, 2024, "female", "Indian");

  @Test
  void passingForm() {
    populate(E2_MATCHING, E4_MATCHING, E5_MATCHING);
    List<Entry> before = getAll(server, EMPLOYEES);

    ByteString vs = commit(server, forgeExample());

    List<Entry> after = getAll(server, EMPLOYEES);
    assertEquals(DAVIS, after.get(0).getValue());
    assertEquals(vs, after.get(0).getVersionstamp());
    assertEquals(SCOTT, after.get(1).getValue());
    assertEquals(vs, after.get(1).getVersionstamp());
    assertFalse(after.get(2).hasValue(), "employee3 deleted");
    assertEquals(ByteString.EMPTY, after.get(2).getVersionstamp());
    assertFalse(after.get(3).hasValue(), "employee4 deleted");
    assertEquals(before.get(4), after.get(4), "employee5 is only checked");
    assertEquals(3, everything(server).size(), "employee1, employee2, employee5 remain");
  }

  @Test
  void failingFormConditionalSetFails() {
    populate(E2_WRONG_SURNAME, E4_MATCHING, E5_MATCHING);
    assertFailsLeavingEveryKey(forgeExample(), List.of(), List.of(1));
  }

  @Test
  void failingFormSecondConditionOfTheSetFails() {
    populate(E2_WRONG_NATIONALITY, E4_MATCHING, E5_MATCHING);
    assertFailsLeavingEveryKey(forgeExample(), List.of(), List.of(1));
  }

  @Test
  void failingFormCheckFails() {
    populate(E2_MATCHING, E4_MATCHING, E5_TOO_YOUNG);
    assertFailsLeavingEveryKey(forgeExample(), List.of(0), List.of());
  }

  @Test
  void failingFormConditionalDeleteFails() {
    populate(E2_MATCHING, E4_NOT_MATCHING, E5_MATCHING);
    assertFailsLeavingEveryKey(forgeExample(), List.of(), List.of(3));
  }

  @Test
  void failingFormEverythingFailsAndAllIsReported() {
    populate(E2_WRONG_SURNAME, E4_NOT_MATCHING, E5_TOO_YOUNG);
    assertFailsLeavingEveryKey(forgeExample(), List.of(0), List.of(1, 3));
  }

  @Test
  void failingFormCheckedKeyMissing() {
    populate(E2_MATCHING, E4_MATCHING, E5_MATCHING);
    commit(server, atomic(delete(E5)));
    assertFailsLeavingEveryKey(forgeExample(), List.of(0), List.of());
  }

  /** After a failure, fixing the data makes the very same request pass. */
  @Test
  void failingThenPassing() {
    populate(E2_WRONG_SURNAME, E4_NOT_MATCHING, E5_TOO_YOUNG);
    assertFailsLeavingEveryKey(forgeExample(), List.of(0), List.of(1, 3));
    commit(server, atomic(set(E2, E2_MATCHING), set(E4, E4_MATCHING), set(E5, E5_MATCHING)));
    ByteString vs = commit(server, forgeExample());
    List<Entry> after = getAll(server, EMPLOYEES);
    assertEquals(List.of(DAVIS, SCOTT), List.of(after.get(0).getValue(), after.get(1).getValue()));
    assertEquals(vs, after.get(1).getVersionstamp());
    assertFalse(after.get(2).hasValue());
    assertFalse(after.get(3).hasValue());
    assertEquals(E5_MATCHING, after.get(4).getValue());
  }

  private void assertFailsLeavingEveryKey(AtomicRequest req, List<Integer> failedChecks,
      List<Integer> failedConditions) {
    List<Entry> before = getAll(server, EMPLOYEES);
    AtomicResponse r = assertFailedAndUnchanged(server, req, failedChecks, failedConditions);
    assertTrue(r.getVersionstamp().isEmpty());
    List<Entry> after = getAll(server, EMPLOYEES);
    for (int i = 0; i < EMPLOYEES.size(); i++) {
      assertEquals(before.get(i), after.get(i), "employee" + (i + 1) + " changed");
    }
    // The next commit shows the failed request did not commit in between.
    ByteString next = commit(server, atomic(set(key("probe"), json(1))));
    for (Entry e : after) {
      if (e.hasValue()) {
        assertNotEquals(next, e.getVersionstamp());
      }
    }
    commit(server, atomic(delete(key("probe"))));
  }

  // ---------------------------------------------------------------------------------------------
  // Mixed request: versionstamp checks, where checks and conditional mutations together
  // ---------------------------------------------------------------------------------------------

  @Test
  void mixedRequestReportsExactlyTheFailingIndexes() {
    Key account = key("account", "a");
    Key profile = key("profile", "a");
    Key order = key("order", 1);
    Key cart = key("cart", "a");
    Key log = key("log", "a");
    ByteString stale = commit(server, atomic(set(account, json(obj("balance", 10)))));
    ByteString current = commit(server, atomic(
        set(account, json(obj("balance", 20))),
        set(profile, json(obj("tier", "gold", "country", "AU"))),
        set(order, json(obj("status", "open", "items", 3))),
        set(cart, json(obj("owner", "a")))));
    assertNotEquals(stale, current);

    // Exactly what the issue names: a stale versionstamp check, a failing where check, a passing
    // where check, two conditional mutations of which one fails.
    AtomicRequest small = atomic(
        List.of(
            checkVersionstamp(account, stale), // 0 fails: stale
            checkWhere(profile, all(cond("tier", OPERATOR_EQUAL_TO, "silver"))), // 1 fails
            checkWhere(profile, all(cond("country", OPERATOR_EQUAL_TO, "AU")))), // 2 holds
        List.of(
            setWhere(order, json(obj("status", "paid")),
                all(cond("status", OPERATOR_EQUAL_TO, "open"))), // 0 holds
            deleteWhere(cart, all(cond("owner", OPERATOR_EQUAL_TO, "b"))))); // 1 fails
    assertFailedAndUnchanged(server, small, List.of(0, 1), List.of(1));

    // A larger mix: the lists are complete and ascending, whatever the order of kinds.
    AtomicRequest large = atomic(
        List.of(
            checkWhere(profile, any(cond("tier", OPERATOR_EQUAL_TO, "gold"),
                cond("x", OPERATOR_EXISTS))), // 0 holds
            checkVersionstamp(account, current), // 1 holds
            checkVersionstamp(account, stale), // 2 fails
            checkAbsent(log), // 3 holds
            checkWhere(log, all(cond("x", OPERATOR_NOT_EXISTS))), // 4 fails: key missing
            checkVersionstamp(profile, current), // 5 holds
            checkWhere(order, all(cond("items", OPERATOR_GREATER_THAN, 5))), // 6 fails
            checkAbsent(cart)), // 7 fails
        List.of(
            set(log, json("entry")), // 0 plain
            setWhere(order, json(obj("status", "paid")),
                all(cond("status", OPERATOR_EQUAL_TO, "open"))), // 1 holds
            deleteWhere(cart, all(cond("owner", OPERATOR_EQUAL_TO, "b"))), // 2 fails
            delete(profile), // 3 plain
            setWhere(key("new"), json(1), all(cond("id", OPERATOR_EXISTS))), // 4 fails: empty doc
            setWhere(key("new2"), json(1), all(cond("id", OPERATOR_NOT_EXISTS))), // 5 holds
            deleteWhere(account, all(cond("balance", OPERATOR_GREATER_THAN, 100))))); // 6 fails
    assertFailedAndUnchanged(server, large, List.of(2, 4, 6, 7), List.of(2, 4, 6));

    // Only versionstamp checks fail: failed_conditions is empty (and the reverse).
    assertFailedAndUnchanged(server, atomic(
        List.of(checkVersionstamp(account, stale), checkVersionstamp(account, current)),
        List.of(setWhere(order, json(obj("status", "paid")),
            all(cond("status", OPERATOR_EQUAL_TO, "open"))))), List.of(0), List.of());
    assertFailedAndUnchanged(server, atomic(
        List.of(checkVersionstamp(account, current)),
        List.of(set(log, json(1)), deleteWhere(cart, all(cond("owner", OPERATOR_EQUAL_TO, "b"))))),
        List.of(), List.of(1));

    // Repaired, the small request passes.
    AtomicRequest repaired = atomic(
        List.of(checkVersionstamp(account, current),
            checkWhere(profile, all(cond("tier", OPERATOR_EQUAL_TO, "gold"))),
            checkWhere(profile, all(cond("country", OPERATOR_EQUAL_TO, "AU")))),
        List.of(setWhere(order, json(obj("status", "paid")),
                all(cond("status", OPERATOR_EQUAL_TO, "open"))),
            deleteWhere(cart, all(cond("owner", OPERATOR_EQUAL_TO, "a")))));
    ByteString vs = commit(server, repaired);
    assertEquals(json(obj("status", "paid")), get(server, order).getValue());
    assertEquals(vs, get(server, order).getVersionstamp());
    assertFalse(get(server, cart).hasValue());
    assertEquals(current, get(server, account).getVersionstamp());
  }

  /** Up to the limits: 100 where checks and many conditional mutations, every other one failing. */
  @Test
  void manyFailuresAreAllReported() {
    List<Mutation> seed = IntStream.range(0, 100)
        .mapToObj(i -> set(key("emp", i), json(obj("n", i, "even", i % 2 == 0)))).toList();
    commit(server, atomic(seed.toArray(Mutation[]::new)));
    List<Check> checks = IntStream.range(0, 100)
        .mapToObj(i -> checkWhere(key("emp", i), all(cond("even", OPERATOR_EQUAL_TO, true))))
        .toList();
    List<Mutation> mutations = IntStream.range(0, 100)
        .mapToObj(i -> i % 3 == 0
            ? deleteWhere(key("emp", i), all(cond("n", OPERATOR_GREATER_THAN, 49)))
            : setWhere(key("emp", i), json(0), all(cond("n", OPERATOR_GREATER_THAN, 49))))
        .toList();
    List<Integer> odd = IntStream.range(0, 100).filter(i -> i % 2 == 1).boxed().toList();
    List<Integer> low = IntStream.range(0, 50).boxed().toList();
    assertFailedAndUnchanged(server, atomic(checks, mutations), odd, low);
  }
}
