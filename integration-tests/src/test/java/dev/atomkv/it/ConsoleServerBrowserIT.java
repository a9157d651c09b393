package dev.atomkv.it;

import static dev.atomkv.it.ConditionsSupport.obj;
import static dev.atomkv.it.EntitySupport.attr;
import static dev.atomkv.it.EntitySupport.def;
import static dev.atomkv.it.EntitySupport.index;
import static dev.atomkv.it.EntitySupport.setDoc;
import static dev.atomkv.proto.v1.AttributeType.ATTRIBUTE_TYPE_INTEGER;
import static dev.atomkv.proto.v1.AttributeType.ATTRIBUTE_TYPE_STRING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.client.EnqueueOptions;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvValue;
import dev.atomkv.client.QueueListener;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.DefineEntityRequest;
import dev.atomkv.proto.v1.EntityServiceGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console's Server, dead-letter and Entities views in a real browser (Debian's headless
 * Chromium) against a real server, signed in with a read-only token: the settings with the
 * secret hidden and the charts drawn from the server's metrics, a message given up on, and an
 * entity shown and queried. A failed test leaves a screenshot in target/console-screenshots.
 */
class ConsoleServerBrowserIT {
  private static final String SECRET = "s3cret-rw-token-b81";
  private static final String READ_ONLY = "ro-token-b81";

  @TempDir static Path dir;
  private static ConsolePage page;

  @RegisterExtension
  static final ConsolePage.ScreenshotOnFailure SCREENSHOTS =
      new ConsolePage.ScreenshotOnFailure(() -> page);

  @AfterAll
  static void closeBrowser() throws Exception {
    if (page != null) {
      page.close();
    }
  }

  private static RunningServer start(String name) throws Exception {
    Path tokens = dir.resolve(name + ".tokens");
    Files.writeString(tokens, READ_ONLY + " readonly\n");
    return RunningServer.start(dir.resolve(name), "--auth-token=" + SECRET,
        "--auth-tokens-file=" + tokens);
  }

  private static KvClient writer(RunningServer server) {
    return KvClient.create(io.grpc.ClientInterceptors.intercept(server.channel(),
        io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(bearer())));
  }

  private static void browse(int port) throws Exception {
    if (page != null) {
      page.close();
      page = null;
    }
    page = new ConsolePage(port);
    page.open(READ_ONLY);
  }

  @Test
  void theServerViewHidesTheSecretAndDrawsItsCharts() throws Exception {
    try (RunningServer server = start("server")) {
      KvClient kv = writer(server);
      for (int i = 0; i < 30; i++) {
        kv.set(Key.of("c", i), KvValue.of("v" + i));
        kv.get(Key.of("c", i));
      }
      browse(server.consolePort());
      page.byId("tab-server").click();
      page.waitForText("server-version", "0.1.0");
      assertEquals("(hidden)", settingShown("--auth-token"));
      assertEquals("(not set)", settingShown("--tls-key"));
      assertFalse(page.driver().getPageSource().contains(SECRET), "the secret reached the page");
      assertTrue(page.byId("server-storage").getText().contains("of 1.0 GiB"),
          page.byId("server-storage").getText());
      // No click: the view asks again by itself, and the first sample comes after 5 s.
      new WebDriverWait(page.driver(), Duration.ofSeconds(30))
          .until(d -> points("chart-calls") > 0 && points("chart-latency") > 0
              && points("chart-batch") > 0);
      for (String chart : List.of("chart-calls", "chart-latency", "chart-batch")) {
        assertFalse(page.driver().findElements(
            By.cssSelector("#" + chart + " svg path.series")).isEmpty(), chart);
      }
      assertEquals(List.of("p50", "p99"), seriesOf("chart-latency"));
      assertTrue(page.byId("metrics-note").getText().contains("one every 5 s"));
    }
  }

  @Test
  void aMessageGivenUpOnShowsAmongTheDeadLetters() throws Exception {
    try (RunningServer server = start("queue")) {
      browse(server.consolePort());
      page.byId("tab-queues").click();
      page.waitForText("dead-letters-summary", "No message has been given up on");
      KvClient kv = writer(server);
      try (QueueListener listener = kv.listenQueue(m -> {
        throw new IllegalStateException("consumer failure");
      })) {
        kv.atomic().enqueue(KvValue.of("invoice 7"), EnqueueOptions.builder()
            .backoffSchedule(Duration.ofMillis(20))
            .keysIfUndelivered(Key.of("failed", "invoice", 7)).build()).commit();
        // No click: the view asks again by itself.
        page.waitForText("dead-letters-summary", "1 message(s) given up on");
        List<String> cells = firstDeadLetter();
        assertEquals("2", cells.get(1), "deliveries");
        assertEquals("invoice 7", cells.get(2));
        assertEquals("[\"failed\", \"invoice\", 7n]", cells.get(3));
      }
    }
  }

  @Test
  void anEntityIsShownAndQueriedAndABadQueryIsExplained() throws Exception {
    try (RunningServer server = start("entities")) {
      EntityServiceGrpc.EntityServiceBlockingStub entities = EntityServiceGrpc
          .newBlockingStub(server.channel()).withInterceptors(
              io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(bearer()));
      entities.defineEntity(DefineEntityRequest.newBuilder().setDefinition(def("orders",
          List.of(attr("region", ATTRIBUTE_TYPE_STRING), attr("total", ATTRIBUTE_TYPE_INTEGER)),
          index("by-region", "total", "region"))).build());
      ConsoleHttp.withToken(server.stub(), SECRET).atomic(AtomicRequest.newBuilder()
          .addMutations(setDoc("orders", "o1", obj("region", "eu", "total", 10)))
          .addMutations(setDoc("orders", "o2", obj("region", "eu", "total", 25)))
          .addMutations(setDoc("orders", "o3", obj("region", "us", "total", 40))).build());
      browse(server.consolePort());
      page.byId("tab-entities").click();
      page.waitUntil(d -> !d.findElements(By.cssSelector(
          "article.entity[data-name='orders'] tr[data-index='by-region']")).isEmpty());
      assertTrue(page.driver().findElement(By.cssSelector(
          "article.entity[data-name='orders'] tr[data-index='by-region']")).getText()
          .contains("READY"));

      page.waitUntil(d -> new Select(page.byId("query-index")).getOptions().size() == 1);
      page.setValue("query-partition", "\"eu\"");
      new Select(page.byId("query-op")).selectByValue("GREATER_THAN");
      page.setValue("query-values", "15");
      runQuery();
      assertEquals(List.of("[\"o2\"]"), resultKeys());
      assertTrue(page.byId("query-message").getText().isEmpty());

      new Select(page.byId("query-op")).selectByValue("");
      page.byId("query-reverse").click();
      runQuery();
      assertEquals(List.of("[\"o2\"]", "[\"o1\"]"), resultKeys());

      page.setValue("query-partition", "");
      runQuery();
      assertEquals("INVALID_ARGUMENT: index by-region needs 1 partition value(s), got 0",
          page.byId("query-message").getText());
      assertEquals(List.of(), resultKeys(), "no result of the last query left shown");
    }
  }

  private static io.grpc.Metadata bearer() {
    io.grpc.Metadata headers = new io.grpc.Metadata();
    headers.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + SECRET);
    return headers;
  }

  private static void runQuery() {
    String before = page.byId("query-results").getAttribute("data-runs");
    String message = page.byId("query-message").getText();
    page.byId("query-run").click();
    page.waitUntil(d -> {
      String runs = page.byId("query-results").getAttribute("data-runs");
      return (runs != null && !runs.equals(before))
          || !page.byId("query-message").getText().equals(message)
          && !page.byId("query-message").getText().isEmpty();
    });
  }

  @SuppressWarnings("unchecked")
  private static List<String> resultKeys() {
    return (List<String>) script("return [...document.querySelectorAll("
        + "'#query-results tbody tr')].map(r => r.dataset.key)");
  }

  @SuppressWarnings("unchecked")
  private static List<String> firstDeadLetter() {
    return (List<String>) script("const r = document.querySelector('#dead-letters tbody tr');"
        + "return r ? [...r.cells].map(c => c.textContent) : []");
  }

  private static String settingShown(String name) {
    page.waitUntil(d -> !d.findElements(
        By.cssSelector("#settings tr[data-name='" + name + "']")).isEmpty());
    return (String) script("return document.querySelector(`#settings tr[data-name='${arguments[0]}"
        + "']`).cells[1].textContent", name);
  }

  private static long points(String chart) {
    String n = page.byId(chart).getAttribute("data-points");
    return n == null ? 0 : Long.parseLong(n);
  }

  @SuppressWarnings("unchecked")
  private static List<String> seriesOf(String chart) {
    return (List<String>) script("return [...document.querySelectorAll(`#${arguments[0]} "
        + "path.series`)].map(p => p.dataset.series)", chart);
  }

  private static Object script(String js, Object... args) {
    return ((JavascriptExecutor) page.driver()).executeScript(js, args);
  }
}
