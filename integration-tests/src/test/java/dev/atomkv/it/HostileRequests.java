package dev.atomkv.it;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.UnknownFieldSet;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.Check;
import dev.atomkv.proto.v1.Condition;
import dev.atomkv.proto.v1.Filter;
import dev.atomkv.proto.v1.GetRequest;
import dev.atomkv.proto.v1.Key;
import dev.atomkv.proto.v1.KeyPart;
import dev.atomkv.proto.v1.ListRequest;
import dev.atomkv.proto.v1.Mutation;
import dev.atomkv.proto.v1.Operator;
import dev.atomkv.proto.v1.Value;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * A seeded source of malformed and extreme KvService requests, as raw message bytes: random bytes,
 * valid messages with bytes flipped or fields re-sent with the wrong wire type, invalid UTF-8 in
 * every string field, empty and 10k-part keys, 1000-deep JSON, oversized repeated fields, NaN and
 * infinities, huge expiries, unset oneofs, bad cursors, bad versionstamps, malformed filters and
 * selectors. Requests aim at {@code targets} (keys that exist) part of the time, so checks,
 * conditions and sums meet real data. Not a test class.
 */
final class HostileRequests {

  enum Method {
    GET("Get"), LIST("List"), ATOMIC("Atomic");

    final String rpcName;

    Method(String rpcName) {
      this.rpcName = rpcName;
    }
  }

  /** One request: what kind of hostility it carries, which RPC, and the message bytes. */
  record Case(String kind, Method method, byte[] payload) {}

  /** Bytes that are not UTF-8: a lone continuation, an overlong '/', a surrogate, a cut sequence. */
  private static final byte[][] INVALID_UTF8 = {
      {(byte) 0x80}, {(byte) 0xc0, (byte) 0xaf}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
      {'a', (byte) 0xe2, (byte) 0x82}, {(byte) 0xff, (byte) 0xfe}, {(byte) 0xf8, 1, 2, 3, 4},
  };

  private static final double[] NON_FINITE = {
      Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
      Double.longBitsToDouble(0xfff8000000000001L), -0.0, Double.MIN_VALUE, Double.MAX_VALUE,
  };

  private final Random random;
  private final List<Key> targets;
  private final List<Supplier<Case>> kinds = List.of(
      this::randomBytes, this::mutatedValid, this::wrongWireType, this::invalidUtf8,
      this::emptyKey, this::hugeKey, this::deepJson, this::oversizedRepeated, this::nonFinite,
      this::hugeExpiry, this::unsetOneof, this::badCursor, this::badVersionstamp, this::badFilter,
      this::badBigInt, this::badSelector);

  HostileRequests(Random random, List<Key> targets) {
    this.random = random;
    this.targets = targets;
  }

  Case next() {
    return kinds.get(random.nextInt(kinds.size())).get();
  }

  // ---- kinds of hostility -----------------------------------------------------------------------

  private Case randomBytes() {
    byte[] b = new byte[random.nextInt(4) == 0 ? random.nextInt(65536) : random.nextInt(64)];
    random.nextBytes(b);
    return new Case("random-bytes", anyMethod(), b);
  }

  private Case mutatedValid() {
    Method m = anyMethod();
    byte[] b = valid(m);
    int edits = 1 + random.nextInt(4);
    for (int i = 0; i < edits && b.length > 0; i++) {
      int at = random.nextInt(b.length);
      switch (random.nextInt(4)) {
        case 0 -> b[at] = (byte) random.nextInt(256);
        case 1 -> b = Arrays.copyOf(b, at); // truncated
        case 2 -> { // a random tag or length byte inserted
          byte[] longer = new byte[b.length + 1];
          System.arraycopy(b, 0, longer, 0, at);
          longer[at] = (byte) random.nextInt(256);
          System.arraycopy(b, at, longer, at + 1, b.length - at);
          b = longer;
        }
        default -> { // the tail repeated: fields sent twice
          byte[] longer = Arrays.copyOf(b, b.length + (b.length - at));
          System.arraycopy(b, at, longer, b.length, b.length - at);
          b = longer;
        }
      }
    }
    return new Case("mutated-valid", m, b);
  }

  /** A valid message in which one field, at any depth, is re-sent with another wire type. */
  private Case wrongWireType() {
    Method m = anyMethod();
    return new Case("wrong-wire-type", m, rewire(valid(m), 0));
  }

  private byte[] rewire(byte[] message, int depth) {
    UnknownFieldSet fields;
    try {
      fields = UnknownFieldSet.parseFrom(message);
    } catch (InvalidProtocolBufferException e) {
      return message;
    }
    List<Integer> numbers = new ArrayList<>(fields.asMap().keySet());
    if (numbers.isEmpty()) {
      return new ProtoBytes().varint(1 + random.nextInt(9), random.nextLong()).toByteArray();
    }
    int number = numbers.get(random.nextInt(numbers.size()));
    UnknownFieldSet.Field field = fields.getField(number);
    UnknownFieldSet.Builder out = fields.toBuilder().clearField(number);
    UnknownFieldSet.Field.Builder replaced = UnknownFieldSet.Field.newBuilder();
    if (!field.getLengthDelimitedList().isEmpty() && depth < 6 && random.nextBoolean()) {
      // Go inside the nested message instead, and keep this level intact.
      for (ByteString nested : field.getLengthDelimitedList()) {
        replaced.addLengthDelimited(ByteString.copyFrom(rewire(nested.toByteArray(), depth + 1)));
      }
    } else {
      switch (random.nextInt(4)) {
        case 0 -> replaced.addVarint(random.nextLong());
        case 1 -> replaced.addFixed64(random.nextLong());
        case 2 -> replaced.addFixed32(random.nextInt());
        default -> {
          byte[] junk = new byte[random.nextInt(16)];
          random.nextBytes(junk);
          replaced.addLengthDelimited(ByteString.copyFrom(junk));
        }
      }
    }
    return out.addField(number, replaced.build()).build().toByteArray();
  }

  private Case invalidUtf8() {
    byte[] bad = utf8Trap();
    return switch (random.nextInt(7)) {
      case 0 -> new Case("invalid-utf8 key part", Method.GET,
          new ProtoBytes().message(1, keyWithStringBytes(2, bad)).toByteArray());
      case 1 -> new Case("invalid-utf8 big_int", Method.ATOMIC, new ProtoBytes()
          .message(2, new ProtoBytes().message(1, keyWithStringBytes(4, bad))
              .message(3, Empty.getDefaultInstance())).toByteArray());
      case 2 -> new Case("invalid-utf8 cursor", Method.LIST, new ProtoBytes()
          .message(1, Key.getDefaultInstance()).bytes(5, bad).toByteArray());
      case 3 -> new Case("invalid-utf8 value string", Method.ATOMIC, new ProtoBytes()
          .message(2, new ProtoBytes().message(1, target())
              .message(2, new ProtoBytes().bytes(2, bad))).toByteArray());
      case 4 -> new Case("invalid-utf8 attribute", Method.ATOMIC, new ProtoBytes()
          .message(1, new ProtoBytes().message(1, target())
              .message(4, new ProtoBytes().message(2, new ProtoBytes().bytes(1, bad)
                  .varint(2, Operator.OPERATOR_EXISTS_VALUE)))).toByteArray());
      case 5 -> new Case("invalid-utf8 json string", Method.ATOMIC, new ProtoBytes()
          .message(2, new ProtoBytes().message(1, target())
              .message(2, new ProtoBytes().message(4, new ProtoBytes().bytes(3, bad))))
          .toByteArray());
      default -> new Case("invalid-utf8 json field name", Method.ATOMIC, new ProtoBytes()
          .message(2, new ProtoBytes().message(1, target())
              .message(2, new ProtoBytes().message(4, new ProtoBytes().message(5,
                  new ProtoBytes().message(1, new ProtoBytes().bytes(1, bad)
                      .message(2, json(1.0))))))).toByteArray());
    };
  }

  private Case emptyKey() {
    Key empty = Key.getDefaultInstance();
    return switch (random.nextInt(5)) {
      case 0 -> get("empty-key", empty);
      case 1 -> atomic("empty-key", List.of(Check.newBuilder().setKey(empty)
          .setAbsent(Empty.getDefaultInstance()).build()), List.of());
      case 2 -> atomic("empty-key", List.of(), List.of(set(empty, Value.newBuilder().setU64(1)
          .build())));
      case 3 -> list("empty-key", ListRequest.newBuilder().setStart(empty).setEnd(target()));
      default -> atomic("empty-key", List.of(), List.of(Mutation.newBuilder()
          .setDelete(Empty.getDefaultInstance()).build())); // no key field at all
    };
  }

  private Case hugeKey() {
    Key huge = manyParts(10_000);
    return switch (random.nextInt(5)) {
      case 0 -> get("10k-part key", huge);
      case 1 -> list("10k-part key", ListRequest.newBuilder().setPrefix(huge));
      case 2 -> list("10k-part key", ListRequest.newBuilder().setStart(target()).setEnd(huge));
      case 3 -> atomic("10k-part key", List.of(Check.newBuilder().setKey(huge)
          .setAbsent(Empty.getDefaultInstance()).build()), List.of());
      default -> atomic("10k-part key", List.of(), List.of(Mutation.newBuilder().setKey(huge)
          .setSum(1).build()));
    };
  }

  /**
   * JSON nested {@code depth} levels, encoded inside out: the generated classes serialize
   * recursively, and a thousand levels overflow the test's own stack.
   */
  private Case deepJson() {
    int depth = random.nextBoolean() ? 1000 : 20 + random.nextInt(40);
    byte[] doc = json(1.0).toByteArray();
    for (int i = 0; i < depth; i++) {
      doc = random.nextBoolean()
          ? new ProtoBytes().message(6, new ProtoBytes().bytes(1, doc)).toByteArray()
          : new ProtoBytes().message(5, new ProtoBytes().message(1, new ProtoBytes()
              .bytes(1, "a".getBytes(StandardCharsets.UTF_8)).bytes(2, doc))).toByteArray();
    }
    String kind = "json " + depth + " deep";
    if (random.nextBoolean()) {
      return new Case(kind, Method.ATOMIC, new ProtoBytes().message(2, new ProtoBytes()
          .message(1, fuzzKey()).message(2, new ProtoBytes().bytes(4, doc))).toByteArray());
    }
    ProtoBytes condition = new ProtoBytes().bytes(1, "a".getBytes(StandardCharsets.UTF_8))
        .varint(2, Operator.OPERATOR_EQUAL_TO_VALUE).bytes(3, doc);
    return new Case(kind, Method.ATOMIC, new ProtoBytes().message(1, new ProtoBytes()
        .message(1, target()).message(4, new ProtoBytes().message(2, condition))).toByteArray());
  }

  private Case oversizedRepeated() {
    return switch (random.nextInt(6)) {
      case 0 -> {
        GetRequest.Builder b = GetRequest.newBuilder();
        for (int i = 0, n = 1001 + random.nextInt(20_000); i < n; i++) {
          b.addKeys(key(i));
        }
        yield new Case("oversized keys", Method.GET, b.build().toByteArray());
      }
      case 1 -> {
        List<Check> checks = new ArrayList<>();
        for (int i = 0, n = 101 + random.nextInt(5000); i < n; i++) {
          checks.add(Check.newBuilder().setKey(key(i)).setAbsent(Empty.getDefaultInstance())
              .build());
        }
        yield atomic("oversized checks", checks, List.of());
      }
      case 2 -> {
        List<Mutation> mutations = new ArrayList<>();
        for (int i = 0, n = 1001 + random.nextInt(20_000); i < n; i++) {
          mutations.add(Mutation.newBuilder().setKey(key(i)).setSum(1).build());
        }
        yield atomic("oversized mutations", List.of(), mutations);
      }
      case 3 -> {
        Condition.Builder c = Condition.newBuilder().setAttribute("a")
            .setOp(Operator.OPERATOR_EQUAL_TO);
        for (int i = 0, n = 2 + random.nextInt(100_000); i < n; i++) {
          c.addValues(json(i));
        }
        yield atomic("oversized condition values", List.of(Check.newBuilder().setKey(target())
            .setWhere(Filter.newBuilder().addConditions(c)).build()), List.of());
      }
      case 4 -> { // beyond the server's inbound message limit
        byte[] big = new byte[(5 << 20) + random.nextInt(1 << 20)];
        yield atomic("oversized message", List.of(), List.of(set(fuzzKey(),
            Value.newBuilder().setBytes(ByteString.copyFrom(big)).build())));
      }
      default -> {
        Value big = Value.newBuilder().setBytes(ByteString.copyFrom(new byte[65537])).build();
        yield atomic("oversized value", List.of(), List.of(set(fuzzKey(), big)));
      }
    };
  }

  private Case nonFinite() {
    double d = NON_FINITE[random.nextInt(NON_FINITE.length)];
    if (Double.isFinite(d) || random.nextInt(4) == 0) {
      // Finite extremes, and non-finite numbers where they are allowed (key parts), must work.
      return get("number key part " + d, Key.newBuilder()
          .addParts(KeyPart.newBuilder().setNumber(d)).build());
    }
    if (random.nextBoolean()) {
      return atomic("json number " + d, List.of(), List.of(set(fuzzKey(), Value.newBuilder()
          .setJson(com.google.protobuf.Value.newBuilder().setListValue(ListValue.newBuilder()
              .addValues(json(1)).addValues(json(d)))).build())));
    }
    return atomic("condition value " + d, List.of(Check.newBuilder().setKey(target())
        .setWhere(Filter.newBuilder().addConditions(Condition.newBuilder().setAttribute("n")
            .setOp(Operator.OPERATOR_GREATER_THAN).addValues(json(d)))).build()), List.of());
  }

  private Case hugeExpiry() {
    long[] expiries = {Long.MAX_VALUE, Long.MIN_VALUE, -1, 1L << 53, (1L << 53) - 1,
        Long.MAX_VALUE / 2};
    long e = expiries[random.nextInt(expiries.length)];
    Mutation.Builder m = Mutation.newBuilder().setKey(fuzzKey()).setExpireInMs(e);
    switch (random.nextInt(3)) {
      case 0 -> m.setSet(Value.newBuilder().setU64(1));
      case 1 -> m.setSum(1);
      default -> m.setDelete(Empty.getDefaultInstance());
    }
    return atomic("expire_in_ms " + e, List.of(), List.of(m.build()));
  }

  private Case unsetOneof() {
    return switch (random.nextInt(6)) {
      case 0 -> get("unset key part", Key.newBuilder().addParts(KeyPart.getDefaultInstance())
          .build());
      case 1 -> atomic("unset value", List.of(), List.of(set(fuzzKey(), Value.getDefaultInstance())));
      case 2 -> atomic("unset check expect", List.of(Check.newBuilder().setKey(target()).build()),
          List.of());
      case 3 -> atomic("unset mutation op", List.of(), List.of(Mutation.newBuilder()
          .setKey(fuzzKey()).build()));
      case 4 -> atomic("unset json kind", List.of(), List.of(set(fuzzKey(), Value.newBuilder()
          .setJson(com.google.protobuf.Value.newBuilder().setStructValue(Struct.newBuilder()
              .putFields("x", com.google.protobuf.Value.getDefaultInstance()))).build())));
      default -> atomic("unset condition value", List.of(Check.newBuilder().setKey(target())
          .setWhere(Filter.newBuilder().addConditions(Condition.newBuilder().setAttribute("a")
              .setOp(Operator.OPERATOR_EQUAL_TO)
              .addValues(com.google.protobuf.Value.getDefaultInstance()))).build()), List.of());
    };
  }

  private Case badCursor() {
    String cursor;
    switch (random.nextInt(5)) {
      case 0 -> {
        byte[] b = new byte[1 + random.nextInt(3000)];
        random.nextBytes(b);
        cursor = Base64.getUrlEncoder().encodeToString(b);
      }
      case 1 -> cursor = "!!not base64??";
      case 2 -> cursor = "A".repeat(1 + random.nextInt(10_000));
      case 3 -> cursor = Base64.getUrlEncoder().encodeToString(new byte[] {(byte) 0xff});
      default -> cursor = Base64.getUrlEncoder().encodeToString(new byte[] {0});
    }
    ListRequest.Builder b = random.nextBoolean()
        ? ListRequest.newBuilder().setPrefix(key("data"))
        : ListRequest.newBuilder().setStart(key("data")).setEnd(key("data", "zzz"));
    return list("bad cursor", b.setCursor(cursor).setReverse(random.nextBoolean()));
  }

  private Case badVersionstamp() {
    int[] lengths = {0, 1, 9, 11, 20, 1000};
    byte[] vs = new byte[lengths[random.nextInt(lengths.length)]];
    random.nextBytes(vs);
    return atomic("versionstamp of " + vs.length + " bytes", List.of(Check.newBuilder()
        .setKey(target()).setVersionstamp(ByteString.copyFrom(vs)).build()), List.of(
        set(target(), Value.newBuilder().setU64(7).build())));
  }

  private Case badFilter() {
    Condition.Builder c = Condition.newBuilder();
    switch (random.nextInt(4)) {
      case 0 -> c.setAttribute("");
      case 1 -> c.setAttribute(".".repeat(1 + random.nextInt(1000)));
      case 2 -> c.setAttribute("a\\");
      default -> c.setAttribute("a.b".repeat(1 + random.nextInt(30_000)));
    }
    c.setOpValue(random.nextInt(4) == 0 ? 13 + random.nextInt(1000) : random.nextInt(13));
    for (int i = 0, n = random.nextInt(4); i < n; i++) {
      c.addValues(randomJsonLeaf());
    }
    Filter.Builder f = Filter.newBuilder().setMatchValue(random.nextInt(5) == 0 ? 3 + random
        .nextInt(100) : random.nextInt(3));
    if (random.nextInt(6) != 0) {
      f.addConditions(c);
    }
    return switch (random.nextInt(3)) {
      case 0 -> atomic("filter on check", List.of(Check.newBuilder().setKey(target()).setWhere(f)
          .build()), List.of());
      case 1 -> atomic("filter on set", List.of(), List.of(Mutation.newBuilder().setKey(target())
          .setSet(Value.newBuilder().setU64(3)).setWhere(f).build()));
      default -> atomic("filter on sum", List.of(), List.of(Mutation.newBuilder()
          .setKey(target()).setSum(1).setWhere(f).build()));
    };
  }

  private Case badBigInt() {
    String[] texts = {"", "abc", "1e5", "-0", "42", "9223372036854775807", "0x10",
        "1".repeat(700), "-" + "9".repeat(1 + 650), " 18446744073709551616", "+18446744073709551616"};
    String t = texts[random.nextInt(texts.length)];
    Key k = Key.newBuilder().addParts(KeyPart.newBuilder().setBigInt(t)).build();
    return random.nextBoolean() ? get("big_int '" + abbreviate(t) + "'", k)
        : atomic("big_int '" + abbreviate(t) + "'", List.of(), List.of(set(k,
            Value.newBuilder().setU64(1).build())));
  }

  private Case badSelector() {
    ListRequest.Builder b = ListRequest.newBuilder();
    if (random.nextBoolean()) {
      b.setPrefix(random.nextBoolean() ? key("data") : target());
    }
    if (random.nextBoolean()) {
      b.setStart(random.nextBoolean() ? target() : key("data"));
    }
    if (random.nextBoolean()) {
      b.setEnd(random.nextBoolean() ? target() : key("zzz"));
    }
    int[] limits = {-1, Integer.MIN_VALUE, 1001, Integer.MAX_VALUE, 0, 1};
    b.setLimit(limits[random.nextInt(limits.length)]);
    b.setConsistencyValue(random.nextInt(4) == 0 ? 3 + random.nextInt(100) : random.nextInt(3));
    return list("selector", b.setReverse(random.nextBoolean()));
  }

  // ---- building blocks -------------------------------------------------------------------------

  /** A well-formed request of {@code m} over the targets, as a base for byte-level damage. */
  private byte[] valid(Method m) {
    return switch (m) {
      case GET -> GetRequest.newBuilder().addKeys(target()).addKeys(target()).build()
          .toByteArray();
      case LIST -> ListRequest.newBuilder().setPrefix(key("data")).setLimit(5)
          .setCursor(Base64.getUrlEncoder().encodeToString(new byte[] {2, 'a', 0})).build()
          .toByteArray();
      case ATOMIC -> AtomicRequest.newBuilder()
          .addChecks(Check.newBuilder().setKey(target())
              .setVersionstamp(ByteString.copyFrom(new byte[10])))
          .addChecks(Check.newBuilder().setKey(target())
              .setWhere(Filter.newBuilder().addConditions(Condition.newBuilder()
                  .setAttribute("n").setOp(Operator.OPERATOR_BETWEEN)
                  .addValues(json(1)).addValues(json(9)))))
          .addMutations(set(fuzzKey(), Value.newBuilder().setString("v").build()))
          .addMutations(Mutation.newBuilder().setKey(target()).setSum(1))
          .build().toByteArray();
    };
  }

  private Case get(String kind, Key key) {
    return new Case(kind, Method.GET, GetRequest.newBuilder().addKeys(key).build().toByteArray());
  }

  private static Case list(String kind, ListRequest.Builder b) {
    return new Case(kind, Method.LIST, b.build().toByteArray());
  }

  private static Case atomic(String kind, List<Check> checks, List<Mutation> mutations) {
    return new Case(kind, Method.ATOMIC, AtomicRequest.newBuilder().addAllChecks(checks)
        .addAllMutations(mutations).build().toByteArray());
  }

  private static Mutation set(Key key, Value value) {
    return Mutation.newBuilder().setKey(key).setSet(value).build();
  }

  private Method anyMethod() {
    return Method.values()[random.nextInt(Method.values().length)];
  }

  private Key target() {
    return targets.get(random.nextInt(targets.size()));
  }

  /** A key outside the seeded data, for writes that a bug might let through. */
  private Key fuzzKey() {
    return key("fuzz", random.nextInt(100));
  }

  private byte[] utf8Trap() {
    byte[] bad = INVALID_UTF8[random.nextInt(INVALID_UTF8.length)];
    byte[] prefix = "ok".getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[prefix.length + bad.length];
    System.arraycopy(prefix, 0, out, 0, prefix.length);
    System.arraycopy(bad, 0, out, prefix.length, bad.length);
    return out;
  }

  /** A Key whose one part has string-typed field {@code field} set to raw bytes. */
  private static ProtoBytes keyWithStringBytes(int field, byte[] bytes) {
    return new ProtoBytes().message(1, new ProtoBytes().bytes(field, bytes));
  }

  private Key manyParts(int n) {
    Key.Builder k = Key.newBuilder();
    for (int i = 0; i < n; i++) {
      k.addParts(random.nextBoolean() ? KeyPart.newBuilder().setBoolean(true)
          : KeyPart.newBuilder().setInt(i));
    }
    return k.build();
  }

  private com.google.protobuf.Value randomJsonLeaf() {
    return switch (random.nextInt(5)) {
      case 0 -> json(random.nextInt(100));
      case 1 -> com.google.protobuf.Value.newBuilder().setStringValue("s").build();
      case 2 -> com.google.protobuf.Value.newBuilder().setBoolValue(true).build();
      case 3 -> com.google.protobuf.Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
      default -> com.google.protobuf.Value.newBuilder().setListValue(ListValue.newBuilder()
          .addValues(json(1))).build();
    };
  }

  private static com.google.protobuf.Value json(double d) {
    return com.google.protobuf.Value.newBuilder().setNumberValue(d).build();
  }

  private static Key key(Object... parts) {
    return Wire.key(parts);
  }

  private static String abbreviate(String s) {
    return s.length() > 24 ? s.substring(0, 24) + "…" : s;
  }
}
