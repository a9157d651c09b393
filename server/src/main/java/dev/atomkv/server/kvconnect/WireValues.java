package dev.atomkv.server.kvconnect;

import com.google.protobuf.ByteString;
import dev.atomkv.server.document.ProtoDocuments;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.kvconnect.wire.KvEntry;
import dev.atomkv.server.kvconnect.wire.KvValue;
import dev.atomkv.server.kvconnect.wire.ValueEncoding;
import dev.atomkv.server.model.JsonValue;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.ValueKind;
import dev.atomkv.server.model.v8.V8Reader;
import dev.atomkv.server.model.v8.V8Writer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Values across the two protocols: one keyspace. A Deno program's Uint8Array is {@code bytes},
 * its Deno.KvU64 is {@code u64}; a V8 value that is plain JSON is stored as {@code string} (a
 * top-level string) or {@code json}, so gRPC clients and attribute conditions can read it, and is
 * served back as V8 that deserialises to an equal value; any other V8 value stays {@code v8},
 * opaque. A gRPC client's string and json values reach Deno programs as plain JavaScript values.
 */
final class WireValues {
  private WireValues() {}

  /** The value as Deno sent it, kinds unmapped: what the limits count (Deno's sizes). */
  static Value received(KvValue v) {
    return switch (v.getEncoding()) {
      case VE_V8 -> new Value(ValueKind.V8, v.getData().toByteArray());
      case VE_BYTES -> Value.bytes(v.getData().toByteArray());
      case VE_LE64 -> Value.u64(le64(v.getData()));
      default -> throw HttpFailure.badRequest("Invalid value encoding");
    };
  }

  /** What to store for a value Deno sent: V8 that is plain JSON becomes string or json. */
  static Value stored(Value received) {
    if (received.kind() != ValueKind.V8) {
      return received;
    }
    JsonValue doc = V8Reader.toJson(received.payload());
    if (doc == null) {
      return received;
    }
    if (doc instanceof JsonValue.Str s) {
      return Value.string(s.value());
    }
    return new Value(ValueKind.JSON, ProtoDocuments.encode(doc));
  }

  static long le64(ByteString data) {
    if (data.size() != 8) {
      throw HttpFailure.badRequest("Invalid LE64 value: it must be exactly 8 bytes");
    }
    return data.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  static KvEntry toWire(StoredEntry e) {
    KvEntry.Builder b = KvEntry.newBuilder()
        .setKey(ByteString.copyFrom(e.key()))
        .setVersionstamp(ByteString.copyFrom(e.versionstamp().toBytes()));
    Value v = e.value();
    switch (v.kind()) {
      case BYTES -> b.setEncoding(ValueEncoding.VE_BYTES).setValue(ByteString.copyFrom(v.payload()));
      case U64 -> b.setEncoding(ValueEncoding.VE_LE64).setValue(ByteString.copyFrom(
          ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v.asU64()).array()));
      case V8 -> b.setEncoding(ValueEncoding.VE_V8).setValue(ByteString.copyFrom(v.payload()));
      case STRING -> b.setEncoding(ValueEncoding.VE_V8).setValue(ByteString.copyFrom(V8Writer.write(
          new JsonValue.Str(new String(v.payload(), StandardCharsets.UTF_8)))));
      case JSON -> b.setEncoding(ValueEncoding.VE_V8).setValue(ByteString.copyFrom(
          V8Writer.write(ProtoDocuments.INSTANCE.decode(v.payload()))));
      default -> throw new IllegalStateException("unknown kind " + v.kind());
    }
    return b.build();
  }
}
