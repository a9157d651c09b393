package dev.atomkv.server.kvconnect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.v8.V8Number;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/** Deno's sums survive the trip through a replicated log unchanged. */
class V8SumCodecTest {
  private final V8SumCodec codec = V8SumCodec.INSTANCE;

  @Test
  void everyShapeOfSumRoundTrips() {
    for (V8Sum sum : new V8Sum[] {
        new V8Sum(new V8Number.Num(1.5), null, null, false),
        new V8Sum(new V8Number.Num(-0.25), new V8Number.Num(-10), new V8Number.Num(10), true),
        new V8Sum(new V8Number.Big(BigInteger.TWO.pow(70).negate()), null,
            new V8Number.Big(BigInteger.valueOf(99)), false)}) {
      assertTrue(codec.handles(sum));
      assertEquals(sum, codec.decode(codec.encode(sum)));
    }
  }

  @Test
  void bytesThatAreNoSumAreRefused() {
    KvException e = assertThrows(KvException.class, () -> codec.decode(new byte[] {0, 9}));
    assertEquals(ErrorKind.INTERNAL, e.kind());
    assertThrows(KvException.class, () -> codec.decode(new byte[] {0, 0, 0, 0}),
        "an operand is required");
  }
}
