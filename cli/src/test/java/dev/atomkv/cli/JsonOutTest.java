package dev.atomkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.atomkv.client.Key;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvValue;
import dev.atomkv.client.Versionstamp;
import dev.atomkv.client.WatchEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonOutTest {
  @Test
  void valuesByKind() {
    assertEquals("\"Ada \\\"L\\\"\\n\"", JsonOut.value(KvValue.of("Ada \"L\"\n")));
    assertEquals("\"AQL/\"", JsonOut.value(KvValue.of(new byte[] {1, 2, (byte) 0xff})));
    assertEquals("\"AQI=\"", JsonOut.value(KvValue.v8(new byte[] {1, 2})));
    assertEquals("\"18446744073709551615\"", JsonOut.value(KvValue.u64(-1)));
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("n", 1);
    doc.put("x", 1.5);
    doc.put("l", List.of("a", true));
    doc.put("z", null);
    assertEquals("{\"n\":1,\"x\":1.5,\"l\":[\"a\",true],\"z\":null}", JsonOut.value(KvValue.json(doc)));
    assertEquals("1.0E21", JsonOut.value(KvValue.json(1e21)));
    assertEquals("-0.0", JsonOut.value(KvValue.json(-0.0)));
  }

  @Test
  void watchEventsAddTheChangedFlagToEachEntry() {
    Versionstamp vs = Versionstamp.parse("00000000000000010000");
    WatchEvent event = new WatchEvent(
        List.of(new KvEntry(Key.of("a"), KvValue.of("A"), vs, null), KvEntry.missing(Key.of("b"))),
        List.of(false, true), Versionstamp.parse("0000000000000001ffff"));

    assertEquals("{\"readVersionstamp\":\"0000000000000001ffff\",\"entries\":["
        + "{\"key\":\"a\",\"kind\":\"string\",\"value\":\"A\",\"versionstamp\":"
        + "\"00000000000000010000\",\"expiresAt\":null,\"changed\":false},"
        + "{\"key\":\"b\",\"kind\":null,\"value\":null,\"versionstamp\":null,\"expiresAt\":null,"
        + "\"changed\":true}]}", JsonOut.watchEvent(event));
  }

  @Test
  void kinds() {
    assertEquals("string", JsonOut.kind(KvValue.of("")));
    assertEquals("bytes", JsonOut.kind(KvValue.of(new byte[0])));
    assertEquals("u64", JsonOut.kind(KvValue.u64(1)));
    assertEquals("json", JsonOut.kind(KvValue.json(Map.of())));
    assertEquals("v8", JsonOut.kind(KvValue.v8(new byte[0])));
  }

  @Test
  void entries() {
    Versionstamp vs = Versionstamp.of(0x0102, 3);
    assertEquals("{\"key\":\"users/42n\",\"kind\":\"string\",\"value\":\"Ada\","
            + "\"versionstamp\":\"00000000000001020003\",\"expiresAt\":null}",
        JsonOut.entry(new KvEntry(Key.of("users", 42L), KvValue.of("Ada"), vs, null)));
    assertEquals("{\"key\":\"c\",\"kind\":\"u64\",\"value\":\"7\","
            + "\"versionstamp\":\"00000000000001020003\",\"expiresAt\":\"1970-01-01T00:00:01Z\"}",
        JsonOut.entry(new KvEntry(Key.of("c"), KvValue.u64(7), vs, Instant.EPOCH.plusSeconds(1))));
    assertEquals("{\"key\":\"str:true\",\"kind\":null,\"value\":null,\"versionstamp\":null,\"expiresAt\":null}",
        JsonOut.entry(KvEntry.missing(Key.of("true"))));
  }

  @Test
  void valueSyntax() {
    assertEquals(KvValue.of("x"), ValueSyntax.parse(ValueSyntax.Type.string, "x"));
    assertEquals(KvValue.of(new byte[] {1, 2, (byte) 0xff}), ValueSyntax.parse(ValueSyntax.Type.bytes, "AQL/"));
    assertEquals(KvValue.u64(-1), ValueSyntax.parse(ValueSyntax.Type.u64, "18446744073709551615"));
    assertEquals(KvValue.json(Map.of("a", List.of(1, "b"))), ValueSyntax.parse(ValueSyntax.Type.json, "{\"a\": [1, \"b\"]}"));
    assertEquals(KvValue.json((Object) null), ValueSyntax.parse(ValueSyntax.Type.json, "null"));
    assertThrows(IllegalArgumentException.class, () -> ValueSyntax.parse(ValueSyntax.Type.u64, "-1"));
    assertThrows(IllegalArgumentException.class, () -> ValueSyntax.parse(ValueSyntax.Type.u64, "18446744073709551616"));
    assertThrows(IllegalArgumentException.class, () -> ValueSyntax.parse(ValueSyntax.Type.json, "{oops"));
    assertThrows(IllegalArgumentException.class, () -> ValueSyntax.parse(ValueSyntax.Type.bytes, "!!"));
  }

  @Test
  void durations() {
    assertEquals(Duration.ofMillis(500), ValueSyntax.duration("500ms"));
    assertEquals(Duration.ofSeconds(10), ValueSyntax.duration("10s"));
    assertEquals(Duration.ofMinutes(5), ValueSyntax.duration("5m"));
    assertEquals(Duration.ofHours(2), ValueSyntax.duration("2h"));
    assertEquals(Duration.ofDays(1), ValueSyntax.duration("1d"));
    assertEquals(Duration.ofSeconds(90), ValueSyntax.duration("PT1M30S"));
    assertThrows(IllegalArgumentException.class, () -> ValueSyntax.duration("0s"));
    assertThrows(IllegalArgumentException.class, () -> ValueSyntax.duration("10"));
    assertThrows(IllegalArgumentException.class, () -> ValueSyntax.duration("-PT1S"));
  }

  @Test
  void atomicRequestTakesHexVersionstamps() {
    String json = "{\"checks\":[{\"key\":{\"parts\":[{\"string\":\"a\"}]},\"versionstamp\":\"000000000000010200ff\"},"
        + "{\"key\":{\"parts\":[{\"string\":\"b\"}]},\"versionstamp\":\"AAAAAAAAAQIAAw==\"}]}";
    var request = Commands.Atomic.parseRequest(json, "test");
    assertEquals(Versionstamp.of(0x0102, 0xff), Versionstamp.fromBytes(request.getChecks(0).getVersionstamp().toByteArray()));
    assertEquals(Versionstamp.of(0x0102, 3), Versionstamp.fromBytes(request.getChecks(1).getVersionstamp().toByteArray()));
    assertThrows(IllegalArgumentException.class, () -> Commands.Atomic.parseRequest("{\"nope\":1}", "test"));
  }
}
