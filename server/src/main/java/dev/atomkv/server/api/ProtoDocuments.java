package dev.atomkv.server.api;

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
 * place that turns them into the model's documents.
 */
final class ProtoDocuments implements DocumentDecoder {
  static final ProtoDocuments INSTANCE = new ProtoDocuments();

  private ProtoDocuments() {}

  @Override
  public JsonValue decode(byte[] payload) {
    try {
      return toJson(com.google.protobuf.Value.parseFrom(payload));
    } catch (InvalidProtocolBufferException e) {
      throw new KvException(ErrorKind.INTERNAL, "stored json value is unreadable", e);
    }
  }

  static JsonValue toJson(com.google.protobuf.Value v) {
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

  static List<JsonValue> toJson(List<com.google.protobuf.Value> values) {
    return values.stream().map(ProtoDocuments::toJson).toList();
  }
}
