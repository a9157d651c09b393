package dev.atomkv.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import org.junit.jupiter.api.Test;

class KvValueTest {
  private static final Value DOC = Value.newBuilder().setStructValue(Struct.newBuilder()
      .putFields("name", Value.newBuilder().setStringValue("Ada").build())
      .putFields("age", Value.newBuilder().setNumberValue(36).build())
      .putFields("tags", Value.newBuilder().setListValue(ListValue.newBuilder()
          .addValues(Value.newBuilder().setBoolValue(true))
          .addValues(Value.newBuilder().setNullValue(NullValue.NULL_VALUE))).build()))
      .build();

  @Test
  void kindsAndAccessors() {
    assertEquals(KvValue.Kind.STRING, KvValue.of("hi").kind());
    assertEquals("hi", KvValue.of("hi").asString());
    assertEquals(KvValue.Kind.BYTES, KvValue.of(new byte[] {1}).kind());
    assertArrayEquals(new byte[] {1}, KvValue.of(new byte[] {1}).asBytes());
    assertEquals(KvValue.Kind.U64, KvValue.u64(-1).kind());
    assertEquals("18446744073709551615", Long.toUnsignedString(KvValue.u64(-1).asU64()));
    assertEquals(KvValue.Kind.V8, KvValue.v8(new byte[] {(byte) 0xff}).kind());
    assertArrayEquals(new byte[] {(byte) 0xff}, KvValue.v8(new byte[] {(byte) 0xff}).asV8());
    assertEquals(KvValue.Kind.JSON, KvValue.json(DOC).kind());
    assertEquals(DOC, KvValue.json(DOC).asJson());
  }

  @Test
  void wrongKindAccessorThrows() {
    assertThrows(IllegalStateException.class, () -> KvValue.of("hi").asU64());
    assertThrows(IllegalStateException.class, () -> KvValue.u64(1).asString());
    assertThrows(IllegalStateException.class, () -> KvValue.v8(new byte[0]).asBytes());
    assertThrows(IllegalStateException.class, () -> KvValue.of(new byte[0]).asV8());
    assertThrows(IllegalStateException.class, () -> KvValue.of("{}").asJson());
  }

  @Test
  void isImmutable() {
    byte[] given = {1, 2};
    KvValue value = KvValue.of(given);
    given[0] = 9;
    value.asBytes()[1] = 9;
    assertArrayEquals(new byte[] {1, 2}, value.asBytes());
  }

  @Test
  void equalityIncludesTheKind() {
    assertEquals(KvValue.of(new byte[] {1}), KvValue.of(new byte[] {1}));
    assertEquals(KvValue.of(new byte[] {1}).hashCode(), KvValue.of(new byte[] {1}).hashCode());
    assertNotEquals(KvValue.of(new byte[] {1}), KvValue.v8(new byte[] {1}));
    assertEquals(KvValue.u64(7), KvValue.u64(7));
    assertNotEquals(KvValue.of("7"), KvValue.u64(7));
    assertEquals(KvValue.json(DOC), KvValue.json(DOC.toBuilder().build()));
  }

  @Test
  void toStringShowsKindAndContent() {
    assertEquals("string(\"hi\")", KvValue.of("hi").toString());
    assertEquals("bytes(0107)", KvValue.of(new byte[] {1, 7}).toString());
    assertEquals("u64(18446744073709551615)", KvValue.u64(-1).toString());
    assertEquals("v8(ff0f)", KvValue.v8(new byte[] {(byte) 0xff, 0x0f}).toString());
    assertEquals("json({\"age\":36,\"name\":\"Ada\",\"tags\":[true,null]})", KvValue.json(DOC).toString());
  }

  @Test
  void jsonNeedsAKind() {
    assertThrows(IllegalArgumentException.class, () -> KvValue.json(Value.getDefaultInstance()));
  }
}
