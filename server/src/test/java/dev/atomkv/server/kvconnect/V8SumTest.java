package dev.atomkv.server.kvconnect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.atomkv.server.document.ProtoDocuments;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.JsonValue;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.ValueKind;
import dev.atomkv.server.model.v8.V8Number;
import dev.atomkv.server.model.v8.V8Writer;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/** Deno's sum of JavaScript numbers and bigints, as the writer runs it on a stored value. */
class V8SumTest {
  private static V8Number num(double d) {
    return new V8Number.Num(d);
  }

  private static V8Number big(long v) {
    return new V8Number.Big(BigInteger.valueOf(v));
  }

  private static Value json(double d) {
    return new Value(ValueKind.JSON, ProtoDocuments.encode(new JsonValue.Num(d)));
  }

  private static Value v8(V8Number n) {
    return new Value(ValueKind.V8, V8Writer.write(n));
  }

  private static String failure(V8Sum sum, Value current) {
    KvException e = assertThrows(KvException.class, () -> sum.apply(current));
    assertEquals(ErrorKind.FAILED_PRECONDITION, e.kind());
    return e.getMessage();
  }

  @Test
  void aMissingKeyTakesTheOperandStoredAsDenoWouldStoreIt() {
    assertEquals(json(2.5), new V8Sum(num(2.5), null, null, false).apply(null));
    assertEquals(v8(big(7)), new V8Sum(big(7), null, null, false).apply(null));
  }

  @Test
  void numbersAddToNumbersWhicheverProtocolStoredThem() {
    assertEquals(json(3.5), new V8Sum(num(1), null, null, false).apply(json(2.5)));
    assertEquals(json(3.5), new V8Sum(num(1), null, null, false).apply(v8(num(2.5))));
    assertEquals(v8(big(-3)), new V8Sum(big(-10), null, null, false).apply(v8(big(7))));
    // Past the largest double the sum is Infinity, which has no JSON form: it stays v8.
    assertEquals(v8(num(Double.POSITIVE_INFINITY)),
        new V8Sum(num(Double.MAX_VALUE), null, null, false).apply(json(Double.MAX_VALUE)));
  }

  @Test
  void boundsFailOrClamp() {
    assertEquals(V8Sum.OUT_OF_RANGE, failure(new V8Sum(num(5), null, num(10), false), json(6)));
    assertEquals(json(10), new V8Sum(num(5), null, num(10), true).apply(json(6)));
    assertEquals(V8Sum.OUT_OF_RANGE, failure(new V8Sum(big(-5), big(0), null, false),
        v8(big(3))));
    assertEquals(v8(big(0)), new V8Sum(big(-5), big(0), null, true).apply(v8(big(3))));
    assertEquals(json(8), new V8Sum(num(2), num(0), num(10), false).apply(json(6)));
  }

  @Test
  void aBigintInU64RangeAddsToAKvU64Counter() {
    assertEquals(Value.u64(0), new V8Sum(big(1), null, null, false).apply(Value.u64(-1L)));
    assertEquals("Cannot sum KvU64 with BigInt",
        failure(new V8Sum(big(-1), null, null, false), Value.u64(1)));
    assertEquals("Cannot sum KvU64 with BigInt",
        failure(new V8Sum(big(1), null, big(5), false), Value.u64(1)));
    assertEquals("Cannot sum KvU64 with Number",
        failure(new V8Sum(num(1), null, null, false), Value.u64(1)));
  }

  @Test
  void otherValuesAreTypeErrors() {
    assertEquals("Cannot sum BigInt with Number",
        failure(new V8Sum(num(1), null, null, false), v8(big(1))));
    assertEquals("Cannot sum Number with BigInt",
        failure(new V8Sum(big(1), null, null, false), json(1)));
    String nonNumeric = "Failed to perform 'sum' mutation on a non-numeric value in the database";
    assertEquals(nonNumeric, failure(new V8Sum(num(1), null, null, false), Value.string("1")));
    assertEquals(nonNumeric, failure(new V8Sum(num(1), null, null, false),
        Value.bytes(new byte[] {1})));
    assertEquals(nonNumeric, failure(new V8Sum(num(1), null, null, false),
        new Value(ValueKind.JSON, ProtoDocuments.encode(new JsonValue.Str("1")))));
  }
}
