package dev.atomkv.server.kvconnect;

import dev.atomkv.server.document.ProtoDocuments;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.JsonValue;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.ValueKind;
import dev.atomkv.server.model.ValueMerge;
import dev.atomkv.server.model.v8.V8Number;
import dev.atomkv.server.model.v8.V8Reader;
import dev.atomkv.server.model.v8.V8Writer;
import java.math.BigInteger;

/**
 * Deno's sum of a JavaScript number or bigint into the key's value (denokv's rules): a missing key
 * takes the operand; a number adds to a number and a bigint to a bigint, then the result is kept
 * within the optional bounds (an error, or with {@code clamp} the bound itself); a bigint in u64
 * range adds to a Deno.KvU64 counter as a KvU64 sum when no bounds are given. The result is stored
 * as a Deno write of it would be (a number as json, a bigint as v8).
 *
 * @param min lower bound of the result, of the operand's type, or null
 * @param max upper bound of the result, of the operand's type, or null
 */
record V8Sum(V8Number operand, V8Number min, V8Number max, boolean clamp) implements ValueMerge {
  private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

  static final String OUT_OF_RANGE = "The result of a Sum operation would exceed its range limit";

  @Override
  public Value apply(Value current) {
    if (current == null) {
      return store(operand);
    }
    if (current.kind() == ValueKind.U64) {
      if (operand instanceof V8Number.Big b && min == null && max == null && !clamp
          && b.value().signum() >= 0 && b.value().compareTo(TWO_64) < 0) {
        return Value.u64(current.asU64() + b.value().longValue()); // wraps, as KvU64 does
      }
      throw mismatch("KvU64");
    }
    V8Number stored = numberIn(current);
    if (stored instanceof V8Number.Num a && operand instanceof V8Number.Num b) {
      double sum = a.value() + b.value();
      if (min != null && sum < ((V8Number.Num) min).value()) {
        sum = bound(((V8Number.Num) min).value());
      }
      if (max != null && sum > ((V8Number.Num) max).value()) {
        sum = bound(((V8Number.Num) max).value());
      }
      return store(new V8Number.Num(sum));
    }
    if (stored instanceof V8Number.Big a && operand instanceof V8Number.Big b) {
      BigInteger sum = a.value().add(b.value());
      if (min != null && sum.compareTo(((V8Number.Big) min).value()) < 0) {
        sum = boundBig(((V8Number.Big) min).value());
      }
      if (max != null && sum.compareTo(((V8Number.Big) max).value()) > 0) {
        sum = boundBig(((V8Number.Big) max).value());
      }
      return store(new V8Number.Big(sum));
    }
    throw mismatch(stored.typeName());
  }

  private double bound(double b) {
    if (!clamp) {
      throw failed(OUT_OF_RANGE);
    }
    return b;
  }

  private BigInteger boundBig(BigInteger b) {
    if (!clamp) {
      throw failed(OUT_OF_RANGE);
    }
    return b;
  }

  private KvException mismatch(String storedType) {
    return failed("Cannot sum " + storedType + " with " + operand.typeName());
  }

  /** The number a stored value holds, whichever protocol wrote it. */
  private static V8Number numberIn(Value v) {
    V8Number n = switch (v.kind()) {
      case V8 -> V8Reader.toNumber(v.payload());
      case JSON -> ProtoDocuments.INSTANCE.decode(v.payload()) instanceof JsonValue.Num x
          ? new V8Number.Num(x.value()) : null;
      default -> null;
    };
    if (n == null) {
      throw failed("Failed to perform 'sum' mutation on a non-numeric value in the database");
    }
    return n;
  }

  private static Value store(V8Number n) {
    return WireValues.stored(new Value(ValueKind.V8, V8Writer.write(n)));
  }

  private static KvException failed(String message) {
    return new KvException(ErrorKind.FAILED_PRECONDITION, message);
  }
}
