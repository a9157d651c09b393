package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.atomkv.server.model.JsonValue;
import dev.atomkv.server.model.v8.V8Reader;
import dev.atomkv.server.model.v8.V8Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's V8 writer and reader against Node's own {@code v8.serialize}, on random JSON
 * documents: the writer must produce Node's bytes exactly, and the reader must read Node's bytes
 * back to the document. Key order follows what JSON.parse keeps (no integer-like keys, which
 * JavaScript reorders), and -0 is left out (JSON has no -0); V8CodecTest covers both.
 */
class V8CodecNodeIT {
  private static final int DOCUMENTS = 500;

  @TempDir Path dir;

  @Test
  void writerAndReaderAgreeWithNodeV8Serialize() throws Exception {
    long seed = Long.getLong("atomkv.test.seed", 20261122L);
    System.out.println("V8CodecNodeIT seed=" + seed + " (rerun with -Datomkv.test.seed=" + seed
        + ")");
    Random random = new Random(seed);
    List<JsonValue> docs = new ArrayList<>();
    StringBuilder input = new StringBuilder();
    for (int i = 0; i < DOCUMENTS; i++) {
      JsonValue doc = document(random, 0);
      docs.add(doc);
      input.append(toJson(doc)).append('\n');
    }
    Path in = dir.resolve("docs.jsonl");
    Files.writeString(in, input, StandardCharsets.UTF_8);
    Process node = new ProcessBuilder("node", "clients/kvconnect/v8_serialize.mjs")
        .directory(ExternalProcess.repoRoot().toFile())
        .redirectInput(in.toFile())
        .redirectErrorStream(true)
        .start();
    String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(node.waitFor(120, TimeUnit.SECONDS), "node did not finish");
    assertEquals(0, node.exitValue(), "node failed:\n" + out);
    String[] lines = out.strip().split("\n");
    assertEquals(DOCUMENTS, lines.length, out);
    HexFormat hex = HexFormat.of();
    for (int i = 0; i < DOCUMENTS; i++) {
      String doc = toJson(docs.get(i));
      assertEquals(lines[i], hex.formatHex(V8Writer.write(docs.get(i))), "writer, " + doc);
      JsonValue read = V8Reader.toJson(hex.parseHex(lines[i]));
      if (read == null) {
        fail("reader found no JSON in Node's bytes for " + doc);
      }
      assertEquals(docs.get(i), read, "reader, " + doc);
    }
  }

  private static JsonValue document(Random r, int depth) {
    switch (r.nextInt(depth > 3 ? 5 : 7)) {
      case 0:
        return new JsonValue.Null();
      case 1:
        return new JsonValue.Bool(r.nextBoolean());
      case 2:
        return new JsonValue.Num(switch (r.nextInt(4)) {
          case 0 -> r.nextInt(2000) - 1000;
          case 1 -> (double) (r.nextLong() >> r.nextInt(64));
          case 2 -> r.nextDouble() * 1e6 - 5e5;
          default -> r.nextInt() / 8.0;
        });
      case 3:
      case 4:
        return new JsonValue.Str(string(r));
      case 5: {
        List<JsonValue> elements = new ArrayList<>();
        for (int i = r.nextInt(5); i > 0; i--) {
          elements.add(document(r, depth + 1));
        }
        return new JsonValue.Arr(elements);
      }
      default: {
        Map<String, JsonValue> fields = new LinkedHashMap<>();
        for (int i = r.nextInt(5); i > 0; i--) {
          fields.put("k" + string(r), document(r, depth + 1));
        }
        return new JsonValue.Obj(fields);
      }
    }
  }

  private static String string(Random r) {
    StringBuilder b = new StringBuilder();
    for (int i = r.nextInt(8); i > 0; i--) {
      switch (r.nextInt(4)) {
        case 0 -> b.append((char) ('a' + r.nextInt(26)));
        case 1 -> b.append((char) (0xa0 + r.nextInt(0x60)));
        case 2 -> b.append((char) (0x100 + r.nextInt(0xd000)));
        default -> b.appendCodePoint(0x10000 + r.nextInt(0x1000));
      }
    }
    return b.toString();
  }

  private static String toJson(JsonValue v) {
    if (v instanceof JsonValue.Null) {
      return "null";
    } else if (v instanceof JsonValue.Bool b) {
      return Boolean.toString(b.value());
    } else if (v instanceof JsonValue.Num n) {
      return Double.toString(n.value());
    } else if (v instanceof JsonValue.Str s) {
      StringBuilder b = new StringBuilder("\"");
      s.value().chars().forEach(c -> b.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\'
          ? Character.toString(c) : String.format("\\u%04x", c)));
      return b.append('"').toString();
    } else if (v instanceof JsonValue.Arr a) {
      return a.elements().stream().map(V8CodecNodeIT::toJson)
          .collect(java.util.stream.Collectors.joining(",", "[", "]"));
    }
    return ((JsonValue.Obj) v).fields().entrySet().stream()
        .map(e -> toJson(new JsonValue.Str(e.getKey())) + ":" + toJson(e.getValue()))
        .collect(java.util.stream.Collectors.joining(",", "{", "}"));
  }
}
