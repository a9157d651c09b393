package dev.atomkv.server.kvconnect;

import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.MergeCodec;
import dev.atomkv.server.model.ValueMerge;
import dev.atomkv.server.model.v8.V8Number;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;

/**
 * Deno's sums ({@link V8Sum}) as bytes for a replicated log: the flags, then the operand and the
 * optional bounds, each a tag (0 absent, 1 number, 2 bigint) and its value.
 */
public final class V8SumCodec implements MergeCodec {
  public static final V8SumCodec INSTANCE = new V8SumCodec();

  private V8SumCodec() {}

  @Override
  public String name() {
    return "v8-sum";
  }

  @Override
  public boolean handles(ValueMerge merge) {
    return merge instanceof V8Sum;
  }

  @Override
  public byte[] encode(ValueMerge merge) {
    V8Sum sum = (V8Sum) merge;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeBoolean(sum.clamp());
      write(out, sum.operand());
      write(out, sum.min());
      write(out, sum.max());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  @Override
  public ValueMerge decode(byte[] spec) {
    try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(spec))) {
      boolean clamp = in.readBoolean();
      V8Number operand = read(in);
      V8Number min = read(in);
      V8Number max = read(in);
      if (operand == null || in.available() > 0) {
        throw new IOException("malformed sum");
      }
      return new V8Sum(operand, min, max, clamp);
    } catch (IOException e) {
      throw new KvException(ErrorKind.INTERNAL, "unreadable sum in a log entry", e);
    }
  }

  private static void write(DataOutputStream out, V8Number n) throws IOException {
    if (n == null) {
      out.writeByte(0);
    } else if (n instanceof V8Number.Num num) {
      out.writeByte(1);
      out.writeDouble(num.value());
    } else {
      byte[] big = ((V8Number.Big) n).value().toByteArray();
      out.writeByte(2);
      out.writeInt(big.length);
      out.write(big);
    }
  }

  private static V8Number read(DataInputStream in) throws IOException {
    return switch (in.readByte()) {
      case 0 -> null;
      case 1 -> new V8Number.Num(in.readDouble());
      case 2 -> {
        byte[] big = new byte[in.readInt()];
        in.readFully(big);
        yield new V8Number.Big(new BigInteger(big));
      }
      default -> throw new IOException("unknown number tag");
    };
  }
}
