package dev.atomkv.it;

import static dev.atomkv.it.Wire.atomic;
import static dev.atomkv.it.Wire.bytesValue;
import static dev.atomkv.it.Wire.commitOk;
import static dev.atomkv.it.Wire.key;
import static dev.atomkv.it.Wire.set;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.atomkv.proto.v1.AdminServiceGrpc;
import dev.atomkv.proto.v1.AdminServiceGrpc.AdminServiceBlockingStub;
import dev.atomkv.proto.v1.CreateTenantRequest;
import dev.atomkv.proto.v1.DescribeTenantRequest;
import dev.atomkv.proto.v1.IssueTokenRequest;
import dev.atomkv.proto.v1.IssueTokenResponse;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.KvServiceGrpc.KvServiceBlockingStub;
import dev.atomkv.proto.v1.TenantLimits;
import dev.atomkv.proto.v1.TenantUsage;
import dev.atomkv.proto.v1.TokenRole;
import io.grpc.Metadata;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;

/**
 * The console's Tenants view (docs/console.md: {@code tenants}) through the real server: a server
 * administrator sees every tenant created through AdminService with its limits, its usage equal to
 * what was written and its tokens' ids and roles, never a token; anyone else is refused; and the
 * page's Tenants tab shows them and follows a tenant's writes. A failed browser test leaves a
 * screenshot in target/console-screenshots.
 */
class ConsoleTenantsIT {
  private static final String ROOT = "console-tenants-root-5e1";
  private static final String READ_ONLY = "console-tenants-ro-5e1";

  @TempDir static Path dir;
  private static RunningServer server;
  private static AdminServiceBlockingStub admin;
  private static ConsolePage page;
  /** Every token issued here, by a name of the test's own. */
  private static final Map<String, IssueTokenResponse> issued = new HashMap<>();

  @RegisterExtension
  static final ConsolePage.ScreenshotOnFailure SCREENSHOTS =
      new ConsolePage.ScreenshotOnFailure(() -> page);

  @BeforeAll
  static void start() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, READ_ONLY + " readonly\n");
    server = RunningServer.start(dir.resolve("data"), "--auth-token=" + ROOT,
        "--auth-tokens-file=" + tokens);
    admin = as(AdminServiceGrpc.newBlockingStub(server.channel()), ROOT);
    admin.createTenant(CreateTenantRequest.newBuilder().setName("acme")
        .setLimits(TenantLimits.newBuilder().setMaxKeys(100).setMaxBytes(10_000)
            .setRequestsPerSecond(50).setWriteUnitsPerMinute(600)).build());
    admin.createTenant(CreateTenantRequest.newBuilder().setName("zeta").build());
    issue("acme-rw", "acme", TokenRole.TOKEN_ROLE_READ_WRITE);
    issue("acme-ro", "acme", TokenRole.TOKEN_ROLE_READ_ONLY);
    issue("zeta-admin", "zeta", TokenRole.TOKEN_ROLE_ADMIN);
    issue("default-rw", "default", TokenRole.TOKEN_ROLE_READ_WRITE);
    issue("default-admin", "default", TokenRole.TOKEN_ROLE_ADMIN);
    // acme: 8 keys ["item", "nI"] (10 encoded bytes each) with values of 10, 20 ... 80 bytes.
    for (int i = 0; i < 8; i++) {
      commitOk(kv(token("acme-rw")), atomic(set(key("item", "n" + i), bytesValue(10 * (i + 1)))));
    }
    // default: 2 keys ["d", "kI"] (7 encoded bytes each) with 5-byte values.
    for (int i = 0; i < 2; i++) {
      commitOk(kv(ROOT), atomic(set(key("d", "k" + i), bytesValue(5))));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (page != null) {
      page.close();
    }
    server.close();
  }

  @Test
  void aServerAdministratorSeesEveryTenantWithItsLimitsUsageAndTokensButNoToken()
      throws Exception {
    for (String who : List.of(ROOT, token("default-admin"))) {
      ConsoleHttp console = new ConsoleHttp(server.consolePort(), who);
      assertTrue(console.ok("/api/session", "{}").get("serverAdmin").getAsBoolean());
      JsonObject answer = console.ok("/api/tenants", "{}");
      String body = answer.toString();
      for (String secret : allTokens()) {
        assertFalse(body.contains(secret), "a token in the answer: " + body);
      }
      Map<String, JsonObject> byName = byName(answer);
      List<String> names = new ArrayList<>(byName.keySet());
      assertEquals("default", names.get(0), "the default tenant first: " + names);
      assertEquals(names.subList(1, names.size()).stream().sorted().toList(),
          names.subList(1, names.size()), "then by name");
      assertTrue(names.containsAll(List.of("acme", "zeta")), names.toString());

      JsonObject acme = byName.get("acme");
      JsonObject limits = acme.getAsJsonObject("limits");
      assertEquals(100, limits.get("maxKeys").getAsLong());
      assertEquals(10_000, limits.get("maxBytes").getAsLong());
      assertEquals(50, limits.get("requestsPerSecond").getAsLong());
      assertEquals(0, limits.get("readUnitsPerMinute").getAsLong());
      assertEquals(600, limits.get("writeUnitsPerMinute").getAsLong());
      assertFalse(acme.get("deleting").getAsBoolean());
      assertTrue(acme.get("createdAtMs").getAsLong() > 0);
      // What was written: 8 keys of 10 encoded bytes, values of 10 + 20 + ... + 80 bytes.
      assertUsage(acme, 8, 8 * 10 + 360);
      assertUsage(byName.get("zeta"), 0, 0);
      assertUsage(byName.get("default"), 2, 2 * (7 + 5));
      for (String tenant : List.of("acme", "zeta", "default")) {
        TenantUsage described = admin.describeTenant(DescribeTenantRequest.newBuilder()
            .setName(tenant).build()).getTenant().getUsage();
        assertUsage(byName.get(tenant), described.getStoredKeys(), described.getStoredBytes());
      }
      assertEquals(0, byName.get("default").get("createdAtMs").getAsLong());

      assertTokens(acme, List.of("acme-rw", "acme-ro"));
      assertTokens(byName.get("zeta"), List.of("zeta-admin"));
      assertTokens(byName.get("default"), List.of("default-rw", "default-admin"));
    }
  }

  @Test
  void onlyAServerAdministratorMayListTenants() throws Exception {
    for (String who : List.of(READ_ONLY, token("default-rw"))) {
      ConsoleHttp console = new ConsoleHttp(server.consolePort(), who);
      assertFalse(console.ok("/api/session", "{}").get("serverAdmin").getAsBoolean());
      ConsoleHttp.Answer refused = console.post("/api/tenants", "{}");
      assertEquals(403, refused.status(), refused.body().toString());
      assertEquals("PERMISSION_DENIED", refused.code());
      assertTrue(refused.message().contains("the tenants view is administration"),
          refused.message());
      assertFalse(refused.body().toString().contains("acme"), "a tenant's name leaked");
    }
    ConsoleHttp.Answer otherTenant =
        new ConsoleHttp(server.consolePort(), token("zeta-admin")).post("/api/tenants", "{}");
    assertEquals(403, otherTenant.status());
    assertEquals("the console serves the default tenant only", otherTenant.message());
    ConsoleHttp.Answer anonymous =
        new ConsoleHttp(server.consolePort(), null).post("/api/tenants", "{}");
    assertEquals(401, anonymous.status());
    assertEquals("UNAUTHENTICATED", anonymous.code());
  }

  @Test
  void withoutTokensOfItsOwnTheServerAnswersAnyCallerAsItsAdministrator() throws Exception {
    try (RunningServer open = RunningServer.start(dir.resolve("open"))) {
      JsonObject answer = new ConsoleHttp(open.consolePort(), null).ok("/api/tenants", "{}");
      assertEquals(List.of("default"), new ArrayList<>(byName(answer).keySet()));
      assertUsage(byName(answer).get("default"), 0, 0);
    }
  }

  @Test
  void theTenantsTabListsATenantAndFollowsItsUsage() throws Exception {
    admin.createTenant(CreateTenantRequest.newBuilder().setName("live")
        .setLimits(TenantLimits.newBuilder().setMaxKeys(20)).build());
    String live = issue("live-rw", "live", TokenRole.TOKEN_ROLE_READ_WRITE);
    for (int i = 0; i < 5; i++) {
      commitOk(kv(live), atomic(set(key("item", "n" + i), bytesValue(10))));
    }
    page = new ConsolePage(server.consolePort());
    page.open(READ_ONLY);
    assertFalse(page.byId("tab-tenants").isDisplayed(), "a read-only token is offered Tenants");

    page.open(ROOT);
    page.waitUntil(d -> page.byId("tab-tenants").isDisplayed());
    page.byId("tab-tenants").click();
    page.waitUntil(d -> !cell("live", "keys").isEmpty());
    assertEquals("5\nof 20: 25.0%", cell("live", "keys"));
    assertEquals("100 B\nno quota", cell("live", "bytes"), "5 keys of 10 + 10 bytes");
    assertEquals("8\nof 100: 8.0%", cell("acme", "keys"));
    assertEquals("440 B\nof 10,000 B (9.8 KiB): 4.4%", cell("acme", "bytes"));
    assertEquals(List.of(issued.get("live-rw").getInfo().getId(), "read-write"),
        tokenRow("live").subList(1, 3));
    String source = page.driver().getPageSource();
    for (String secret : allTokens()) {
      assertFalse(source.contains(secret), "a token reached the page");
    }

    // No click: the view asks again by itself.
    commitOk(kv(live), atomic(set(key("item", "n5"), bytesValue(10))));
    page.waitUntil(d -> cell("live", "keys").startsWith("6\n"));
    assertEquals("6\nof 20: 30.0%", cell("live", "keys"));

    // A read-only token signing in on the same page loses the tab and its view.
    page.setValue("token", READ_ONLY);
    page.byId("token-save").click();
    page.waitUntil(d -> !page.byId("tab-tenants").isDisplayed());
    assertFalse(page.byId("tenants-view").isDisplayed());
    assertTrue(page.byId("data-view").isDisplayed());
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private static String issue(String name, String tenant, TokenRole role) {
    IssueTokenResponse r = admin.issueToken(IssueTokenRequest.newBuilder().setTenant(tenant)
        .setRole(role).build());
    issued.put(name, r);
    return r.getToken();
  }

  private static String token(String name) {
    return issued.get(name).getToken();
  }

  private static List<String> allTokens() {
    List<String> all = new ArrayList<>(List.of(ROOT, READ_ONLY));
    issued.values().forEach(r -> all.add(r.getToken()));
    return all;
  }

  private static KvServiceBlockingStub kv(String token) {
    return as(KvServiceGrpc.newBlockingStub(server.channel()), token)
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static <S extends AbstractStub<S>> S as(S stub, String token) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + token);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  /** The tenants of an answer by name, in its order. */
  private static Map<String, JsonObject> byName(JsonObject answer) {
    Map<String, JsonObject> out = new java.util.LinkedHashMap<>();
    for (JsonElement t : answer.getAsJsonArray("tenants")) {
      out.put(t.getAsJsonObject().get("name").getAsString(), t.getAsJsonObject());
    }
    return out;
  }

  private static void assertUsage(JsonObject tenant, long keys, long bytes) {
    JsonObject usage = tenant.getAsJsonObject("usage");
    assertEquals(keys, usage.get("storedKeys").getAsLong(), tenant + " keys");
    assertEquals(bytes, usage.get("storedBytes").getAsLong(), tenant + " bytes");
  }

  /** The tenant lists exactly the tokens issued to it: id, role and issue time. */
  private static void assertTokens(JsonObject tenant, List<String> names) {
    JsonArray tokens = tenant.getAsJsonArray("tokens");
    Map<String, JsonObject> shown = new HashMap<>();
    for (JsonElement t : tokens) {
      shown.put(t.getAsJsonObject().get("id").getAsString(), t.getAsJsonObject());
    }
    assertEquals(names.size(), tokens.size(), tokens.toString());
    for (String name : names) {
      IssueTokenResponse r = issued.get(name);
      JsonObject t = shown.get(r.getInfo().getId());
      assertTrue(t != null, name + " not listed: " + tokens);
      assertEquals(switch (r.getInfo().getRole()) {
        case TOKEN_ROLE_READ_ONLY -> "read-only";
        case TOKEN_ROLE_READ_WRITE -> "read-write";
        default -> "admin";
      }, t.get("role").getAsString());
      assertEquals(r.getInfo().getCreatedAtMs(), t.get("createdAtMs").getAsLong());
      assertEquals(3, t.size(), "id, role and creation time only: " + t);
    }
  }

  /** The text of a tenant's keys or bytes cell, '' while it is not shown. */
  private static String cell(String tenant, String kind) {
    Object text = ((JavascriptExecutor) page.driver()).executeScript(
        "const c = document.querySelector(`#tenants tr[data-name='${arguments[0]}'] "
            + "td.${arguments[1]}`); return c ? c.innerText : ''", tenant, kind);
    return String.valueOf(text).trim();
  }

  @SuppressWarnings("unchecked")
  private static List<String> tokenRow(String tenant) {
    page.waitUntil(d -> !d.findElements(
        By.cssSelector("#tenant-tokens tr[data-tenant='" + tenant + "']")).isEmpty());
    return (List<String>) ((JavascriptExecutor) page.driver()).executeScript(
        "return [...document.querySelector(`#tenant-tokens tr[data-tenant='${arguments[0]}']`)"
            + ".cells].map(c => c.textContent)", tenant);
  }
}
