package dev.atomkv.it;

import static dev.atomkv.it.Wire.atomic;
import static dev.atomkv.it.Wire.bytesValue;
import static dev.atomkv.it.Wire.commitOk;
import static dev.atomkv.it.Wire.key;
import static dev.atomkv.it.Wire.set;
import static dev.atomkv.it.Wire.setExpiring;
import static dev.atomkv.it.Wire.stringValue;
import static dev.atomkv.it.Wire.u64Value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import dev.atomkv.proto.v1.KvServiceGrpc.KvServiceBlockingStub;
import dev.atomkv.proto.v1.Mutation;
import dev.atomkv.proto.v1.Value;
import dev.atomkv.server.model.JsonValue;
import dev.atomkv.server.model.v8.V8Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

/**
 * The web console in a real browser (Debian's headless Chromium) against the real server: browse
 * by prefix across pages, open every value kind, edit, lose an edit race to a gRPC client and be
 * told, delete, follow a key live, and the token rules. Each test works under a prefix of its own
 * on one server and one browser. A failed test leaves a screenshot in target/console-screenshots.
 */
class ConsoleBrowserIT {
  private static final String RW = "rw-console-token";
  private static final String RO = "ro-console-token";

  @TempDir static Path dir;
  private static RunningServer server;
  private static ConsolePage page;

  @RegisterExtension
  static final ConsolePage.ScreenshotOnFailure SCREENSHOTS =
      new ConsolePage.ScreenshotOnFailure(() -> page);

  @BeforeAll
  static void start() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, RW + "\n" + RO + " readonly\n");
    server = RunningServer.start(dir.resolve("data"), "--auth-tokens-file=" + tokens);
    page = new ConsolePage(server.consolePort());
  }

  @AfterAll
  static void stop() throws Exception {
    if (page != null) {
      page.close();
    }
    if (server != null) {
      server.close();
    }
  }

  /** A gRPC client with the read-write token: the other writer the console meets. */
  private static KvServiceBlockingStub stub() {
    return ConsoleHttp.withToken(server.stub(), RW);
  }

  @Test
  void browsesAPrefixAcrossPagesBothWaysAndIntoFolders() throws Exception {
    List<Mutation> writes = new ArrayList<>();
    IntStream.range(0, 25).forEach(i -> writes.add(set(key("browse", (long) i),
        stringValue("item " + i))));
    // true sorts after every integer: the folder comes last.
    writes.add(set(key("browse", true, "deep"), stringValue("in a folder")));
    commitOk(stub(), atomic(writes.toArray(Mutation[]::new)));

    page.open(RW);
    page.browse("[\"browse\"]", 10);
    assertEquals(keys(0, 10), page.rowKeys());
    page.clickAndWaitForPage("next");
    assertEquals(keys(10, 20), page.rowKeys());
    page.clickAndWaitForPage("next");
    List<String> last = new ArrayList<>(keys(20, 25));
    last.add("[\"browse\", true]");
    assertEquals(last, page.rowKeys());
    assertEquals(List.of("[\"browse\", true]"), page.folderKeys());
    assertFalse(page.byId("next").isEnabled());
    page.openRow("[\"browse\", 22n]");
    // The picture docs/console.png is taken from.
    page.screenshot(Path.of("target", "console.png"));
    page.clickAndWaitForPage("prev");
    assertEquals(keys(10, 20), page.rowKeys());

    page.clickAndWaitForPage("reverse");
    List<String> reversed = new ArrayList<>(List.of("[\"browse\", true]"));
    IntStream.iterate(24, i -> i > 15, i -> i - 1)
        .forEach(i -> reversed.add("[\"browse\", " + i + "n]"));
    assertEquals(reversed, page.rowKeys());
    page.clickAndWaitForPage("next");
    assertEquals("[\"browse\", 15n]", page.rowKeys().get(0));
    page.clickAndWaitForPage("prev");

    page.row("[\"browse\", true]").click();
    page.waitForText("crumbs", "true");
    page.waitUntil(d -> page.rowKeys().equals(List.of("[\"browse\", true, \"deep\"]")));
    page.driver().findElement(By.cssSelector("#crumbs a[data-depth='1']")).click();
    page.waitUntil(d -> page.rowKeys().size() == 10);
  }

  private static List<String> keys(int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> "[\"browse\", " + i + "n]").toList();
  }

  @Test
  void opensEveryValueKind() throws Exception {
    byte[] v8 = V8Writer.write(new JsonValue.Obj(Map.of("n", new JsonValue.Num(42))));
    com.google.protobuf.Value doc = com.google.protobuf.Value.newBuilder().setStructValue(
        Struct.newBuilder().putFields("name", com.google.protobuf.Value.newBuilder()
            .setStringValue("Ada").build())).build();
    commitOk(stub(), atomic(set(key("kinds", "bytes"), bytesValue("hi\0".getBytes())),
        set(key("kinds", "json"), Value.newBuilder().setJson(doc).build()),
        setExpiring(key("kinds", "string"), stringValue("héllo"), 3_600_000),
        set(key("kinds", "u64"), u64Value(-1L)),
        set(key("kinds", "v8"), Value.newBuilder().setV8(ByteString.copyFrom(v8)).build())));
    page.open(RW);
    page.browse("[\"kinds\"]", 20);

    page.openRow("[\"kinds\", \"bytes\"]");
    assertFalse(page.byId("new-key").isDisplayed(), "an existing entry's key is not editable");
    assertEquals("bytes", page.byId("detail-kind").getText());
    assertEquals("68 69 00", text(".value-hex"));
    assertTrue(text(".value-bytes-text").startsWith("hi"));
    assertEquals("never", page.byId("detail-expires").getText());
    assertTrue(page.byId("detail-versionstamp").getText().matches("[0-9a-f]{20}"));

    page.openRow("[\"kinds\", \"json\"]");
    assertEquals("{\n  \"name\": \"Ada\"\n}", text(".value-json"));

    page.openRow("[\"kinds\", \"string\"]");
    assertEquals("héllo", text(".value-text"));
    assertTrue(page.byId("detail-expires").getText().matches("\\d{4}-\\d\\d-\\d\\dT.*Z"));

    page.openRow("[\"kinds\", \"u64\"]");
    assertEquals("18446744073709551615", text(".value-u64"));

    page.openRow("[\"kinds\", \"v8\"]");
    assertEquals("{\n  \"n\": 42\n}", text(".value-v8"));
  }

  private static String text(String css) {
    return page.driver().findElement(By.cssSelector("#detail-value " + css)).getText();
  }

  @Test
  void editsCreatesAndDeletes() throws Exception {
    commitOk(stub(), atomic(set(key("edit", "doc"), stringValue("v1")),
        set(key("edit", "gone"), stringValue("bye"))));
    page.open(RW);
    page.browse("[\"edit\"]", 20);
    page.openRow("[\"edit\", \"doc\"]");
    page.setValue("edit-value", "v2 from the console");
    page.byId("save").click();
    page.waitForText("message", "Saved.");
    assertEquals("v2 from the console",
        Wire.get(stub(), key("edit", "doc")).getValue().getString());

    page.byId("new-entry").click();
    page.setValue("new-key", "[\"edit\", 7n]");
    page.driver().findElement(By.cssSelector("#edit-kind option[value='json']")).click();
    page.setValue("edit-value", "{\"made\": \"here\"}");
    page.byId("save").click();
    page.waitForText("message", "Created.");
    assertEquals("here", Wire.get(stub(), key("edit", 7L)).getValue().getJson()
        .getStructValue().getFieldsOrThrow("made").getStringValue());

    page.openRow("[\"edit\", \"gone\"]");
    page.byId("delete").click();
    page.waitForText("message", "Deleted.");
    assertFalse(Wire.get(stub(), key("edit", "gone")).hasValue());
    page.waitUntil(d -> !page.rowKeys().contains("[\"edit\", \"gone\"]"));
  }

  @Test
  void anEditThatLostARaceSaysSoAndKeepsTheOtherWrite() throws Exception {
    commitOk(stub(), atomic(set(key("race", "doc"), stringValue("shown"))));
    page.open(RW);
    page.browse("[\"race\"]", 20);
    page.openRow("[\"race\", \"doc\"]");
    // Another client writes after the page showed the entry.
    commitOk(stub(), atomic(set(key("race", "doc"), stringValue("written by gRPC"))));
    page.setValue("edit-value", "edited in the console");
    page.byId("save").click();
    assertTrue(page.waitForText("message", "changed by someone else")
        .startsWith("Not saved"));
    assertEquals("written by gRPC", Wire.get(stub(), key("race", "doc")).getValue().getString());
  }

  @Test
  void followsAWatchedKeyLive() throws Exception {
    commitOk(stub(), atomic(set(key("watch", "counter"), u64Value(1))));
    page.open(RW);
    page.browse("[\"watch\"]", 20);
    page.openRow("[\"watch\", \"counter\"]");
    page.byId("watch").click();
    page.waitForText("watch-list", "[\"watch\", \"counter\"]: 1 (u64)");
    commitOk(stub(), atomic(set(key("watch", "counter"), u64Value(2))));
    page.waitForText("watch-list", "[\"watch\", \"counter\"]: 2 (u64)");
    commitOk(stub(), atomic(Wire.delete(key("watch", "counter"))));
    page.waitForText("watch-list", "[\"watch\", \"counter\"]: (no value)");
  }

  @Test
  void aReadOnlyTokenSeesEverythingAndCannotEdit() throws Exception {
    commitOk(stub(), atomic(set(key("ro", "doc"), stringValue("read me"))));
    page.open(RO);
    assertEquals("read-only", page.byId("access").getText());
    page.browse("[\"ro\"]", 20);
    page.openRow("[\"ro\", \"doc\"]");
    assertEquals("read me", text(".value-text"));
    assertFalse(page.byId("save").isDisplayed());
    assertFalse(page.byId("delete").isDisplayed());
    assertFalse(page.byId("new-entry").isDisplayed());
    // Past the page, the server refuses the write itself.
    Object status = page.driver().executeAsyncScript("const done = arguments[0];"
        + "fetch('/api/write', {method: 'POST', headers: {'Content-Type': 'application/json',"
        + " Authorization: 'Bearer " + RO + "'}, body: JSON.stringify({mutations: [{key: "
        + "[{string: 'ro'}, {string: 'doc'}], delete: true}]})}).then(r => done(r.status));");
    assertEquals(403L, status);
    assertTrue(Wire.get(stub(), key("ro", "doc")).hasValue());
  }

  @Test
  void aWrongTokenSeesNothing() throws Exception {
    commitOk(stub(), atomic(set(key("secret"), stringValue("s3cr3t value"))));
    page.open("wrong-token");
    page.waitForText("status", "Unauthorized");
    assertEquals(List.of(), page.rowKeys());
    assertEquals("", page.byId("access").getText());
    assertFalse(page.driver().getPageSource().contains("s3cr3t"));
  }
}
