package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.client.EnqueueOptions;
import dev.atomkv.client.KvValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console's cluster and queue views in a real browser (Debian's headless Chromium) against a
 * real single node and a real three-member cluster: what each shows, and that the view shown
 * follows the server by itself (the queue filling up, a leader stopped and replaced). A failed
 * test leaves a screenshot in target/console-screenshots.
 */
class ConsoleViewsBrowserIT {
  @TempDir static Path dir;
  /** The running test's browser, left open after it so that a failure's screen can be saved. */
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

  /** Opens a browser on the console at {@code port}, closing the last test's. */
  private static void browse(int port) throws Exception {
    if (page != null) {
      page.close();
      page = null;
    }
    page = new ConsolePage(port);
    page.open("");
  }

  @Test
  void aSingleNodeSaysSoAndItsQueueViewFollowsTheQueue() throws Exception {
    try (RunningServer server = RunningServer.start(dir.resolve("single"))) {
      browse(server.consolePort());
      page.byId("tab-cluster").click();
      page.waitForText("cluster-summary", "single node");
      assertFalse(page.byId("cluster-details").isDisplayed());
      assertFalse(page.byId("data-view").isDisplayed());

      page.byId("tab-queues").click();
      waitForTexts(page, Map.of("queue-ready", "0", "queue-delayed", "0", "queue-inflight", "0"));
      for (int i = 0; i < 2; i++) {
        server.client().atomic().enqueue(KvValue.of("now " + i)).commit();
      }
      server.client().atomic().enqueue(KvValue.of("later"),
          EnqueueOptions.builder().delay(Duration.ofHours(1)).build()).commit();
      // No click: the view asks again by itself.
      waitForTexts(page, Map.of("queue-ready", "2", "queue-delayed", "1", "queue-inflight", "0"));
      assertTrue(page.byId("dead-letters-summary").getText()
          .contains("No message has been given up on"));

      page.byId("tab-data").click();
      page.waitUntil(d -> page.byId("data-view").isDisplayed());
      assertFalse(page.byId("queues-view").isDisplayed());
    }
  }

  @Test
  void aMemberShowsItsClusterAndFollowsTheElectionOfANewLeader() throws Exception {
    try (TestCluster cluster = TestCluster.start(Files.createDirectories(dir.resolve("cluster")),
        "console-browser", 3, "--console-port=0")) {
      int leader = cluster.awaitLeader();
      String leaderId = "n" + (leader + 1);
      int follower = (leader + 1) % 3;
      browse(cluster.node(follower).consolePort());
      page.byId("tab-cluster").click();
      page.waitUntil(d -> memberIds().equals(List.of("n1", "n2", "n3")));
      waitForTexts(page, Map.of("cluster-leader", leaderId,
          "cluster-node", "n" + (follower + 1), "cluster-role", "FOLLOWER"));
      for (int j = 0; j < 3; j++) {
        List<String> cells = memberCells("n" + (j + 1));
        assertEquals(cluster.raftAddress(j), cells.get(1));
        assertEquals(j == leader ? "LEADER" : "FOLLOWER", cells.get(2));
      }
      assertEquals(List.of(leaderId), idsOfRows("#members tbody tr.leader"));
      assertEquals(List.of("n" + (follower + 1)), idsOfRows("#members tbody tr.self"));
      long term = Long.parseLong(page.byId("cluster-term").getText());

      cluster.stop(leader);
      // No click: the view asks again by itself. An election takes a few seconds.
      new WebDriverWait(page.driver(), Duration.ofMillis(2 * TestCluster.WAIT_MS)).until(d -> {
        String shown = page.byId("cluster-leader").getText();
        return !shown.equals(leaderId) && shown.startsWith("n")
            && Long.parseLong(page.byId("cluster-term").getText()) > term;
      });
      // The page and the member agree once the page has asked again: with two members left a
      // further election may start in between, and the page then shows it a refresh later.
      new WebDriverWait(page.driver(), Duration.ofMillis(2 * TestCluster.WAIT_MS)).until(d -> {
        String known = cluster.status(follower).leaderId();
        return known != null && known.equals(page.byId("cluster-leader").getText());
      });
      assertEquals(List.of("n1", "n2", "n3"), memberIds(), "a stopped member stays a member");
    }
  }

  private static void waitForTexts(ConsolePage p, Map<String, String> texts) {
    p.waitUntil(d -> texts.entrySet().stream()
        .allMatch(e -> p.byId(e.getKey()).getText().equals(e.getValue())));
  }

  private static List<String> memberIds() {
    return idsOfRows("#members tbody tr");
  }

  /** Read in the page in one step: the table is redrawn at every refresh. */
  @SuppressWarnings("unchecked")
  private static List<String> idsOfRows(String selector) {
    return (List<String>) ((JavascriptExecutor) page.driver()).executeScript(
        "return [...document.querySelectorAll(arguments[0])].map(r => r.dataset.id)", selector);
  }

  @SuppressWarnings("unchecked")
  private static List<String> memberCells(String id) {
    return (List<String>) ((JavascriptExecutor) page.driver()).executeScript(
        "const r = document.querySelector(`#members tbody tr[data-id='${arguments[0]}']`);"
            + "return [...r.cells].map(c => c.textContent)", id);
  }
}
