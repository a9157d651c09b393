package dev.atomkv.bench.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

class ChartsTest {
  @TempDir
  Path dir;

  @Test
  void updatingThePageDrawsEveryChartAndLinksIt() throws Exception {
    Path md = dir.resolve("benchmarks.md");
    Files.writeString(md, "# Benchmarks\n\nText kept by hand.\n");
    // A chart of a concurrency level the new results do not have must not outlive them.
    Path stale = Files.createDirectories(dir.resolve("bench")).resolve("latency-c512.svg");
    Files.writeString(stale, "<svg/>");

    Report.update(md, fixture(), "bench/results/fixture.json");

    Path charts = dir.resolve("bench");
    assertFalse(Files.exists(stale), "stale chart left behind");
    String throughput = svg(charts.resolve("throughput.svg"));
    for (String series : List.of("atomkv Atomic", "etcd Txn", "no-op gRPC")) {
      assertTrue(throughput.contains(">" + series + "</text>"), "throughput lacks " + series);
    }
    assertFalse(throughput.contains("LMDB"), "LMDB alone has no calls in flight to chart");
    for (String level : List.of("1", "8")) {
      String latency = svg(charts.resolve("latency-c" + level + ".svg"));
      for (String label : List.of("p50", "p99", "p99.9", "atomkv Atomic", "etcd Txn",
          "no-op gRPC")) {
        assertTrue(latency.contains(">" + label + "</text>"), "latency-c" + level + " lacks "
            + label);
      }
    }
    assertTrue(svg(charts.resolve("latency-c1.svg")).contains("LMDB alone, 1 put per synced txn"));
    String memory = svg(charts.resolve("memory.svg"));
    assertTrue(memory.contains(">atomkv server</text>") && memory.contains(">etcd</text>"));

    String page = Files.readString(md);
    assertTrue(page.startsWith("# Benchmarks\n\nText kept by hand.\n"), page);
    for (String file : List.of("throughput.svg", "latency-c1.svg", "latency-c8.svg",
        "memory.svg")) {
      assertTrue(page.contains("](bench/" + file + ")"), "page does not link " + file);
    }
    try (var listing = Files.list(charts)) {
      assertEquals(4, listing.count(), "one file per chart");
    }
  }

  @Test
  void sameResultsGiveTheSameFiles() throws Exception {
    Map<String, Object> doc = fixture();
    Charts.draw(doc, dir.resolve("a"));
    Charts.draw(doc, dir.resolve("b"));
    for (String file : List.of("throughput.svg", "latency-c1.svg", "memory.svg")) {
      assertEquals(Files.readString(dir.resolve("a").resolve(file)),
          Files.readString(dir.resolve("b").resolve(file)), file + " differs between draws");
    }
  }

  /** The file's text, after checking it parses as XML with an svg root. */
  private static String svg(Path file) throws Exception {
    assertTrue(Files.exists(file), file + " missing");
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    Document d = f.newDocumentBuilder().parse(file.toFile());
    assertEquals("svg", d.getDocumentElement().getLocalName(), file.toString());
    return Files.readString(file);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> fixture() throws IOException {
    try (InputStream in = ChartsTest.class.getResourceAsStream("results-fixture.json")) {
      return (Map<String, Object>) Json.parse(new String(in.readAllBytes(),
          StandardCharsets.UTF_8));
    }
  }
}
