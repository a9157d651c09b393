package dev.atomkv.it;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Protobuf wire encoding by hand, for messages the generated builders refuse to make: invalid
 * UTF-8 in string fields, a field sent with the wrong wire type, unknown enum numbers, fields
 * repeated that should not be. Not a test class.
 */
final class ProtoBytes {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LENGTH_DELIMITED = 2;
  static final int FIXED32 = 5;

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final CodedOutputStream out = CodedOutputStream.newInstance(bytes);

  ProtoBytes varint(int field, long value) {
    return write(() -> {
      out.writeTag(field, VARINT);
      out.writeUInt64NoTag(value);
    });
  }

  ProtoBytes fixed64(int field, long value) {
    return write(() -> {
      out.writeTag(field, FIXED64);
      out.writeFixed64NoTag(value);
    });
  }

  ProtoBytes fixed32(int field, int value) {
    return write(() -> {
      out.writeTag(field, FIXED32);
      out.writeFixed32NoTag(value);
    });
  }

  ProtoBytes bytes(int field, byte[] value) {
    return write(() -> out.writeByteArray(field, value));
  }

  ProtoBytes message(int field, ProtoBytes message) {
    return bytes(field, message.toByteArray());
  }

  ProtoBytes message(int field, com.google.protobuf.MessageLite message) {
    return bytes(field, message.toByteArray());
  }

  /** Bytes appended as they are, valid wire format or not. */
  ProtoBytes raw(byte[] value) {
    return write(() -> out.writeRawBytes(value));
  }

  byte[] toByteArray() {
    write(() -> {});
    return bytes.toByteArray();
  }

  private interface Write {
    void run() throws IOException;
  }

  private ProtoBytes write(Write w) {
    try {
      w.run();
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }
}
