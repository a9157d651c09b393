package dev.atomkv.client;

import com.google.protobuf.ByteString;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.ListResponse;

/** Builds the protobuf entries and pages a fake server answers with. */
final class TestEntries {
  static final Versionstamp VS1 = Versionstamp.parse("00000000000000010000");
  static final Versionstamp VS2 = Versionstamp.parse("00000000000000020003");

  private TestEntries() {}

  static Entry entry(Key key, KvValue value, Versionstamp versionstamp) {
    return Entry.newBuilder()
        .setKey(ProtoMapping.toProto(key))
        .setValue(ProtoMapping.toProto(value))
        .setVersionstamp(ByteString.copyFrom(versionstamp.toBytes()))
        .build();
  }

  static Entry missing(Key key) {
    return Entry.newBuilder().setKey(ProtoMapping.toProto(key)).build();
  }

  /** A List page of these keys, each holding its own toString as a string value. */
  static ListResponse page(String cursor, Key... keys) {
    ListResponse.Builder page = ListResponse.newBuilder().setCursor(cursor);
    for (Key key : keys) {
      page.addEntries(entry(key, KvValue.of(key.toString()), VS1));
    }
    return page.build();
  }
}
