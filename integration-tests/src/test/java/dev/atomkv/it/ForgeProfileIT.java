package dev.atomkv.it;

import static dev.atomkv.it.ConditionsSupport.all;
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
import static dev.atomkv.it.ConditionsSupport.json;
import static dev.atomkv.it.Wire.key;
import static dev.atomkv.it.ConditionsSupport.obj;
import static dev.atomkv.it.Wire.atomic;
import static dev.atomkv.it.Wire.set;
import static dev.atomkv.it.ConditionsSupport.setWhere;
import static dev.atomkv.it.ConditionsSupport.str;
import static dev.atomkv.it.ConditionsSupport.u64;
import static dev.atomkv.proto.v1.Operator.OPERATOR_BEGINS_WITH;
import static dev.atomkv.proto.v1.Operator.OPERATOR_EXISTS;
import static dev.atomkv.proto.v1.Operator.OPERATOR_NOT_EQUAL_TO;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.Check;
import dev.atomkv.proto.v1.Condition;
import dev.atomkv.proto.v1.Filter;
import dev.atomkv.proto.v1.Key;
import dev.atomkv.proto.v1.Match;
import dev.atomkv.proto.v1.Mutation;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §5: Forge's transaction limits expressed through the server settings — at most 25
 * operations (checks plus mutations), at most 4000000 request bytes, each key at most once — and,
 * with the defaults, the same requests accepted.
 */
class ForgeProfileIT {
  static final String[] FORGE = {"--max-operations=25", "--max-request-bytes=4000000",
      "--unique-keys"};
  /** The profile with the Deno-style size limits raised so that only the request size can trip. */
  static final String[] FORGE_BIG_VALUES = {"--max-operations=25", "--max-request-bytes=4000000",
      "--unique-keys", "--max-value-bytes=1000000", "--max-total-mutation-bytes=10000000",
      "--max-total-key-bytes=1000000", "--max-mutations=1000"};

  static final String TOO_MANY_OPS = "Too many operations (max 25 checks and mutations)";
  static final String TOO_LARGE = "Request too large (max 4000000 bytes)";
  static final String DUPLICATE = "Key used more than once in one request: ";

  static final Key DOC = key("doc");

  @TempDir Path dir;

  /** {@code checks} absent/where checks and {@code mutations} sets, all on distinct keys. */
  static AtomicRequest operations(int checks, int mutations) {
    List<Check> c = new ArrayList<>();
    for (int i = 0; i < checks; i++) {
      // One where check on DOC (it must exist and match); the others on distinct absent keys.
      c.add(i == 0 ? checkWhere(DOC, all(cond("name", OPERATOR_EXISTS)))
          : checkAbsent(key("checked", i)));
    }
    List<Mutation> m = new ArrayList<>();
    for (int i = 0; i < mutations; i++) {
      m.add(i % 3 == 2
          ? setWhere(key("written", i), json(obj("i", i)), all(cond("i", OPERATOR_NOT_EQUAL_TO, -1)))
          : set(key("written", i), u64(i)));
    }
    return atomic(c, m);
  }

  @Test
  void forgeProfileAllows25OperationsAndRefuses26() throws Exception {
    try (RunningServer forge = RunningServer.start(dir.resolve("forge"), FORGE)) {
      commit(forge, atomic(set(DOC, json(obj("name", "Ada")))));

      commit(forge, operations(10, 15));
      assertEquals(16, everything(forge).size(), "doc + the 15 keys written");
      commit(forge, operations(0, 25));
      commit(forge, operations(25, 0));

      for (int[] shape : new int[][] {{10, 16}, {0, 26}, {26, 0}, {1, 25}, {25, 1}, {50, 50}}) {
        StatusRuntimeException e = assertInvalidAndUnchanged(forge,
            operations(shape[0], shape[1]), "Too many operations (max 25");
        assertEquals(TOO_MANY_OPS, e.getStatus().getDescription(), Arrays.toString(shape));
      }

      // The Forge docs' transaction (5 operations on 5 keys) is fine under the profile.
      commit(forge, atomic(set(key("employee2"), json(obj("surname", "Smith",
          "nationality", "Australian"))), set(key("employee4"), json(obj("surname", "Stone"))),
          set(key("employee5"), json(obj("surname", "Singh"))), set(key("employee3"), u64(3))));
      commit(forge, atomic(
          List.of(checkWhere(key("employee5"), all(cond("surname", OPERATOR_BEGINS_WITH, "S")))),
          List.of(set(key("employee1"), json(obj("surname", "Davis"))),
              setWhere(key("employee2"), json(obj("surname", "Scott")), all(
                  cond("surname", OPERATOR_BEGINS_WITH, "S"),
                  cond("nationality", OPERATOR_BEGINS_WITH, "A"))),
              delete(key("employee3")),
              deleteWhere(key("employee4"), all(cond("surname", OPERATOR_BEGINS_WITH, "S"))))));
    }
  }

  @Test
  void forgeProfileRefusesAKeyUsedTwice() throws Exception {
    try (RunningServer forge = RunningServer.start(dir.resolve("forge"), FORGE)) {
      Key e1 = key("employee1");
      commit(forge, atomic(set(e1, json(obj("surname", "Davis")))));
      String shown = DUPLICATE + "[\"employee1\"]";

      // A check and a set on the same key.
      StatusRuntimeException e = assertInvalidAndUnchanged(forge, atomic(
          List.of(checkWhere(e1, all(cond("surname", OPERATOR_EXISTS)))),
          List.of(set(e1, json(obj("surname", "Scott"))))), DUPLICATE);
      assertEquals(shown, e.getStatus().getDescription());
      // Two sets on the same key.
      e = assertInvalidAndUnchanged(forge, atomic(
          set(e1, json(1)), set(key("other"), json(2)), set(e1, json(3))), DUPLICATE);
      assertEquals(shown, e.getStatus().getDescription());
      // A set and a (conditional) delete.
      e = assertInvalidAndUnchanged(forge, atomic(set(e1, json(1)),
          deleteWhere(e1, all(cond("surname", OPERATOR_EXISTS)))), DUPLICATE);
      assertEquals(shown, e.getStatus().getDescription());
      // Two checks.
      e = assertInvalidAndUnchanged(forge, atomic(List.of(checkAbsent(e1), checkWhere(e1,
          all(cond("surname", OPERATOR_EXISTS)))), List.of()), DUPLICATE);
      assertEquals(shown, e.getStatus().getDescription());
      // The key is shown in readable form whatever its parts.
      Key mixed = key("emp", 7, true);
      e = assertInvalidAndUnchanged(forge, atomic(set(mixed, u64(1)), delete(mixed)), DUPLICATE);
      assertEquals(DUPLICATE + "[\"emp\", 7n, true]", e.getStatus().getDescription());
      Key binary = Key.newBuilder().addParts(dev.atomkv.proto.v1.KeyPart.newBuilder()
          .setBytes(com.google.protobuf.ByteString.copyFrom(new byte[] {0x0a, 0x0b}))).build();
      e = assertInvalidAndUnchanged(forge, atomic(set(binary, u64(1)), set(binary, u64(2))),
          DUPLICATE);
      assertEquals(DUPLICATE + "[bytes(0a0b)]", e.getStatus().getDescription());

      // Keys are compared encoded: every NaN is the same key part.
      Key nan1 = key("n").toBuilder().addParts(dev.atomkv.proto.v1.KeyPart.newBuilder()
          .setNumber(Double.NaN)).build();
      Key nan2 = key("n").toBuilder().addParts(dev.atomkv.proto.v1.KeyPart.newBuilder()
          .setNumber(Double.longBitsToDouble(0x7ff0000000000001L))).build();
      e = assertInvalidAndUnchanged(forge, atomic(set(nan1, u64(1)), set(nan2, u64(2))),
          DUPLICATE);
      assertEquals(DUPLICATE + "[\"n\", NaN]", e.getStatus().getDescription());
      // ...but the integer 1 and the number 1.0 are different keys.
      Key int1 = key("n", 1);
      Key num1 = key("n").toBuilder().addParts(dev.atomkv.proto.v1.KeyPart.newBuilder()
          .setNumber(1.0)).build();
      commit(forge, atomic(set(int1, u64(1)), set(num1, u64(2))));

      // Distinct keys are fine, and nothing of the refused requests was written.
      assertEquals(json(obj("surname", "Davis")), get(forge, e1).getValue());
      commit(forge, atomic(List.of(checkWhere(e1, all(cond("surname", OPERATOR_EXISTS)))),
          List.of(set(key("employee2"), json(1)))));
    }
  }

  /** The filter-padded request: one where check on DOC whose conditions all hold. */
  static AtomicRequest paddedFilter(int lastLength) {
    List<Condition> conditions = new ArrayList<>();
    for (int i = 0; i < 66; i++) {
      conditions.add(cond("name", OPERATOR_NOT_EQUAL_TO, "x".repeat(60000)));
    }
    conditions.add(cond("name", OPERATOR_NOT_EQUAL_TO, "y".repeat(lastLength)));
    Filter f = Filter.newBuilder().setMatch(Match.MATCH_ALL).addAllConditions(conditions).build();
    return atomic(List.of(checkWhere(DOC, f)), List.of(set(key("padded"), u64(1))));
  }

  /** Five bytes values, the last one {@code lastLength} long. */
  static AtomicRequest bigValues(int lastLength) {
    List<Mutation> m = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      m.add(set(key("big", i), bytes(filled(800_000))));
    }
    m.add(set(key("big", 4), bytes(filled(lastLength))));
    return atomic(List.of(), m);
  }

  static byte[] filled(int n) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) 'v');
    return b;
  }

  /** The request from {@code build} whose serialised size is exactly {@code target}. */
  static AtomicRequest ofSize(int target, IntFunction<AtomicRequest> build) {
    int length = 0;
    for (int attempt = 0; attempt < 20; attempt++) {
      AtomicRequest r = build.apply(length);
      int size = r.getSerializedSize();
      if (size == target) {
        return r;
      }
      length += target - size;
      if (length < 0) {
        throw new IllegalStateException("cannot reach " + target);
      }
    }
    throw new IllegalStateException("no request of exactly " + target + " bytes");
  }

  @Test
  void forgeProfileRefusesRequestsOver4000000Bytes() throws Exception {
    try (RunningServer forge = RunningServer.start(dir.resolve("forge"), FORGE)) {
      commit(forge, atomic(set(DOC, json(obj("name", "Ada")))));
      // 2 operations, every Deno-style limit respected: only the request size is too large.
      AtomicRequest atLimit = ofSize(4_000_000, ForgeProfileIT::paddedFilter);
      AtomicRequest over = ofSize(4_000_001, ForgeProfileIT::paddedFilter);
      AtomicRequest wellOver = paddedFilter(250_000);
      assertTrue(wellOver.getSerializedSize() > 4_200_000);

      StatusRuntimeException e = assertInvalidAndUnchanged(forge, over, TOO_LARGE);
      assertEquals(TOO_LARGE, e.getStatus().getDescription());
      e = assertInvalidAndUnchanged(forge, wellOver, TOO_LARGE);
      assertEquals(TOO_LARGE, e.getStatus().getDescription());
      commit(forge, atLimit);
      assertEquals(u64(1), get(forge, key("padded")).getValue());
    }
    try (RunningServer big = RunningServer.start(dir.resolve("forge-big"), FORGE_BIG_VALUES)) {
      // ~4.2 MB of values in 5 mutations; each value and the totals are within the raised limits.
      AtomicRequest over = bigValues(1_000_000);
      assertTrue(over.getSerializedSize() > 4_000_000);
      StatusRuntimeException e = assertInvalidAndUnchanged(big, over, TOO_LARGE);
      assertEquals(TOO_LARGE, e.getStatus().getDescription());
      e = assertInvalidAndUnchanged(big, ofSize(4_000_001, ForgeProfileIT::bigValues), TOO_LARGE);
      assertEquals(TOO_LARGE, e.getStatus().getDescription());
      AtomicRequest atLimit = ofSize(4_000_000, ForgeProfileIT::bigValues);
      commit(big, atLimit);
      assertEquals(atLimit.getMutations(4).getSet(), get(big, key("big", 4)).getValue());
    }
  }

  @Test
  void defaultsAcceptWhatTheForgeProfileRefuses() throws Exception {
    try (RunningServer plain = RunningServer.start(dir.resolve("plain"))) {
      commit(plain, atomic(set(DOC, json(obj("name", "Ada")))));

      // 26 operations (and many more).
      commit(plain, operations(10, 16));
      commit(plain, operations(100, 200));

      // A key used twice: check + set, then two sets (the later one wins).
      Key e1 = key("employee1");
      commit(plain, atomic(List.of(checkAbsent(e1)), List.of(set(e1, json(obj("v", 1))))));
      commit(plain, atomic(List.of(checkWhere(e1, all(cond("v", OPERATOR_EXISTS)))),
          List.of(set(e1, json(obj("v", 2))))));
      assertEquals(json(obj("v", 2)), get(plain, e1).getValue());
      commit(plain, atomic(set(e1, str("first")), set(e1, str("second"))));
      assertEquals(str("second"), get(plain, e1).getValue());
      commit(plain, atomic(set(e1, str("x")), delete(e1)));
      assertEquals(false, get(plain, e1).hasValue());

      // No request-size limit beyond the inbound message limit: a 4.2 MB filter is fine.
      AtomicRequest big = paddedFilter(250_000);
      assertTrue(big.getSerializedSize() > 4_200_000);
      commit(plain, big);
    }
  }

  /** The helper's requests name every key once (so only the operation count can trip). */
  @Test
  void operationsHelperUsesDistinctKeys() {
    AtomicRequest r = operations(30, 30);
    List<Key> keys = new ArrayList<>();
    r.getChecksList().forEach(c -> keys.add(c.getKey()));
    r.getMutationsList().forEach(m -> keys.add(m.getKey()));
    assertEquals(keys.size(), keys.stream().distinct().count());
    assertEquals(60, IntStream.of(r.getChecksCount(), r.getMutationsCount()).sum());
  }
}
