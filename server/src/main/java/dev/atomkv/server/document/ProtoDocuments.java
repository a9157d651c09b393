package dev.atomkv.server.document;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.atomkv.server.model.DocumentDecoder;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.JsonValue;
import dev.atomkv.server.model.KvException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * json values travel and are stored as serialised {@code google.protobuf.Value}; this is the one
 * place that turns them into the model's documents and back (the KV Connect edge stores what Deno
 * programs write as plain JSON through it too).
 */
public final class ProtoDocuments implements DocumentDecoder {
  public static final ProtoDocuments INSTANCE = new ProtoDocuments();

  private ProtoDocuments() {}

  @Override
  public JsonValue decode(byte[] payload) {
    try {
      return toJson(com.google.protobuf.Value.parseFrom(payload));
    } catch (InvalidProtocolBufferException e) {
      throw new KvException(ErrorKind.INTERNAL, "stored json value is unreadable", e);
    }
  }

  /** The stored json payload of a document whose numbers are all finite. */
  public static byte[] encode(JsonValue doc) {
    return toProto(doc).toByteArray();
  }

  private static com.google.protobuf.Value toProto(JsonValue doc) {
    com.google.protobuf.Value.Builder b = com.google.protobuf.Value.newBuilder();
    if (doc instanceof JsonValue.Null) {
      b.setNullValue(com.google.protobuf.NullValue.NULL_VALUE);
    } else if (doc instanceof JsonValue.Bool x) {
      b.setBoolValue(x.value());
    } else if (doc instanceof JsonValue.Num x) {
      b.setNumberValue(x.value());
    } else if (doc instanceof JsonValue.Str x) {
      b.setStringValue(x.value());
    } else if (doc instanceof JsonValue.Arr x) {
      com.google.protobuf.ListValue.Builder list = b.getListValueBuilder();
      x.elements().forEach(e -> list.addValues(toProto(e)));
    } else {
      com.google.protobuf.Struct.Builder struct = b.getStructValueBuilder();
      ((JsonValue.Obj) doc).fields().forEach((k, v) -> struct.putFields(k, toProto(v)));
    }
    return b.build();
  }

  public static JsonValue toJson(com.google.protobuf.Value v) {
    switch (v.getKindCase()) {
      case BOOL_VALUE:
        return new JsonValue.Bool(v.getBoolValue());
      case NUMBER_VALUE:
        return new JsonValue.Num(v.getNumberValue());
      case STRING_VALUE:
        return new JsonValue.Str(v.getStringValue());
      case LIST_VALUE:
        return new JsonValue.Arr(
            v.getListValue().getValuesList().stream().map(ProtoDocuments::toJson).toList());
      case STRUCT_VALUE:
        Map<String, JsonValue> fields = new LinkedHashMap<>();
        v.getStructValue().getFieldsMap().forEach((k, child) -> fields.put(k, toJson(child)));
        return new JsonValue.Obj(fields);
      default:
        return new JsonValue.Null();
    }
  }

  public static List<JsonValue> toJson(List<com.google.protobuf.Value> values) {
    return values.stream().map(ProtoDocuments::toJson).toList();
  }
}
