package dev.atomkv.server.document;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.JsonValue;
import dev.atomkv.server.model.KvException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProtoDocumentsTest {
  private static JsonValue sample() {
    Map<String, JsonValue> fields = new LinkedHashMap<>();
    fields.put("name", new JsonValue.Str("Ada"));
    fields.put("age", new JsonValue.Num(36));
    fields.put("tags", new JsonValue.Arr(List.of(new JsonValue.Bool(true), new JsonValue.Null())));
    return new JsonValue.Obj(fields);
  }

  @Test
  void aDocumentSurvivesEncodingAndDecoding() {
    assertEquals(sample(), ProtoDocuments.INSTANCE.decode(ProtoDocuments.encode(sample())));
  }

  @Test
  void storedBytesAreASerialisedProtobufValue() throws Exception {
    Value stored = Value.parseFrom(ProtoDocuments.encode(sample()));
    Struct s = stored.getStructValue();
    assertEquals("Ada", s.getFieldsOrThrow("name").getStringValue());
    assertEquals(36, s.getFieldsOrThrow("age").getNumberValue());
    ListValue tags = s.getFieldsOrThrow("tags").getListValue();
    assertEquals(true, tags.getValues(0).getBoolValue());
    assertEquals(NullValue.NULL_VALUE, tags.getValues(1).getNullValue());
  }

  @Test
  void aValueWithNoKindReadsAsNull() {
    assertEquals(new JsonValue.Null(), ProtoDocuments.toJson(Value.getDefaultInstance()));
  }

  @Test
  void unreadableStoredBytesAreAnInternalError() {
    KvException e = assertThrows(KvException.class,
        () -> ProtoDocuments.INSTANCE.decode(new byte[] {(byte) 0xff, (byte) 0xff}));
    assertEquals(ErrorKind.INTERNAL, e.kind());
  }
}
