package dev.atomkv.it;

import static dev.atomkv.it.Wire.atomic;
import static dev.atomkv.it.Wire.bytesValue;
import static dev.atomkv.it.Wire.commitOk;
import static dev.atomkv.it.Wire.delete;
import static dev.atomkv.it.Wire.everything;
import static dev.atomkv.it.Wire.get;
import static dev.atomkv.it.Wire.key;
import static dev.atomkv.it.Wire.set;
import static dev.atomkv.it.Wire.setExpiring;
import static dev.atomkv.it.Wire.stringValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.rpc.ErrorInfo;
import dev.atomkv.proto.v1.AckRequest;
import dev.atomkv.proto.v1.AdminServiceGrpc;
import dev.atomkv.proto.v1.AdminServiceGrpc.AdminServiceBlockingStub;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.CreateTenantRequest;
import dev.atomkv.proto.v1.DeleteTenantRequest;
import dev.atomkv.proto.v1.DescribeTenantRequest;
import dev.atomkv.proto.v1.Enqueue;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.IssueTokenRequest;
import dev.atomkv.proto.v1.Key;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.KvServiceGrpc.KvServiceBlockingStub;
import dev.atomkv.proto.v1.ListRequest;
import dev.atomkv.proto.v1.ListResponse;
import dev.atomkv.proto.v1.ListTenantsRequest;
import dev.atomkv.proto.v1.ListTokensRequest;
import dev.atomkv.proto.v1.ListenRequest;
import dev.atomkv.proto.v1.ListenResponse;
import dev.atomkv.proto.v1.RevokeTokenRequest;
import dev.atomkv.proto.v1.SetTenantLimitsRequest;
import dev.atomkv.proto.v1.Tenant;
import dev.atomkv.proto.v1.TenantLimits;
import dev.atomkv.proto.v1.TokenRole;
import dev.atomkv.proto.v1.WatchRequest;
import dev.atomkv.proto.v1.WatchResponse;
import dev.atomkv.server.kvconnect.wire.AtomicWrite;
import dev.atomkv.server.kvconnect.wire.KvValue;
import dev.atomkv.server.kvconnect.wire.Mutation;
import dev.atomkv.server.kvconnect.wire.MutationType;
import dev.atomkv.server.kvconnect.wire.ReadRange;
import dev.atomkv.server.kvconnect.wire.SnapshotRead;
import dev.atomkv.server.kvconnect.wire.SnapshotReadOutput;
import dev.atomkv.server.kvconnect.wire.ValueEncoding;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tenants through the real server: isolation of keys, cursors and watches, roles, revocation,
 * quotas and the usage figures that judge them, deletion, and restart.
 */
class TenantIT {
  private static final String ROOT = "tenant-it-root";
  @TempDir static Path dir;
  private static RunningServer server;
  private static AdminServiceBlockingStub admin;

  @BeforeAll
  static void start() throws Exception {
    server = RunningServer.start(dir.resolve("data"), "--auth-token=" + ROOT);
    admin = Wire.withToken(AdminServiceGrpc.newBlockingStub(server.channel()), ROOT);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void twoTenantsCannotSeeOrTouchEachOthersKeysCursorsOrWatches() throws Exception {
    createTenant("iso-a");
    createTenant("iso-b");
    KvServiceBlockingStub a = kv(issue("iso-a", TokenRole.TOKEN_ROLE_READ_WRITE));
    KvServiceBlockingStub b = kv(issue("iso-b", TokenRole.TOKEN_ROLE_READ_WRITE));
    KvServiceBlockingStub root = kv(ROOT);
    Key k = key("shared", "name");
    commitOk(a, atomic(set(k, stringValue("from a"))));
    commitOk(b, atomic(set(k, stringValue("from b"))));
    for (int i = 0; i < 5; i++) {
      commitOk(a, atomic(set(key("a-only", (long) i), stringValue("a" + i))));
    }
    assertEquals("from a", get(a, k).getValue().getString());
    assertEquals("from b", get(b, k).getValue().getString());
    assertFalse(get(root, k).hasValue(), "the default tenant sees another tenant's key");
    assertEquals(6, everything(a).size());
    assertEquals(1, everything(b).size());
    assertTrue(everything(root).stream().noneMatch(e -> e.getKey().equals(k)));

    // A cursor is relative to its tenant: b resuming a's cursor reads b's keys only.
    ListResponse firstPage = a.list(ListRequest.newBuilder().setPrefix(Key.getDefaultInstance())
        .setLimit(2).build());
    ListResponse bPage = b.list(ListRequest.newBuilder().setPrefix(Key.getDefaultInstance())
        .setCursor(firstPage.getCursor()).build());
    assertTrue(bPage.getEntriesList().stream().allMatch(e -> e.getValue().getString()
        .equals("from b")), "a cursor reached another tenant's data: " + bPage);

    // A watch in a on the shared key does not see b's writes to its own key of that name.
    Iterator<WatchResponse> watch = a.withDeadlineAfter(10, TimeUnit.SECONDS)
        .watch(WatchRequest.newBuilder().addKeys(k).build());
    assertEquals("from a", watch.next().getEntries(0).getEntry().getValue().getString());
    commitOk(b, atomic(set(k, stringValue("b again"))));
    commitOk(a, atomic(set(k, stringValue("a again"))));
    assertEquals("a again", watch.next().getEntries(0).getEntry().getValue().getString());
  }

  @Test
  void aTenantHasAQueueOfItsOwn() throws Exception {
    createTenant("queue-t");
    KvServiceBlockingStub t = kv(issue("queue-t", TokenRole.TOKEN_ROLE_READ_WRITE));
    assertTrue(t.atomic(AtomicRequest.newBuilder().addEnqueues(Enqueue.newBuilder()
        .setPayload(stringValue("for queue-t"))).build()).getOk());
    Context.CancellableContext context = Context.current().withCancellation();
    try {
      Iterator<ListenResponse> messages = context.call(() -> t.withDeadlineAfter(10,
          TimeUnit.SECONDS).listen(ListenRequest.newBuilder().build()));
      ListenResponse m = messages.next();
      assertEquals("for queue-t", m.getPayload().getString());
      // The lease is the tenant's: the default tenant cannot settle it, the tenant can.
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> kv(ROOT).ack(AckRequest.newBuilder().setLeaseId(m.getLeaseId()).build()));
      assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
      t.ack(AckRequest.newBuilder().setLeaseId(m.getLeaseId()).setSuccess(true).build());
    } finally {
      context.cancel(null);
    }
  }

  @Test
  void readOnlyTokenCannotWriteAndRevokedTokenIsRefusedAtOnce() {
    createTenant("roles");
    KvServiceBlockingStub ro = kv(issue("roles", TokenRole.TOKEN_ROLE_READ_ONLY));
    StatusRuntimeException denied = assertThrows(StatusRuntimeException.class,
        () -> ro.atomic(atomic(set(key("x"), stringValue("y")))));
    assertEquals(Status.Code.PERMISSION_DENIED, denied.getStatus().getCode());
    assertEquals(0, everything(ro).size());

    var issued = admin.issueToken(IssueTokenRequest.newBuilder().setTenant("roles")
        .setRole(TokenRole.TOKEN_ROLE_READ_WRITE).build());
    KvServiceBlockingStub rw = kv(issued.getToken());
    commitOk(rw, atomic(set(key("x"), stringValue("y"))));
    assertTrue(admin.listTokens(ListTokensRequest.newBuilder().setTenant("roles").build())
        .getTokensList().stream().anyMatch(t -> t.getId().equals(issued.getInfo().getId())));
    admin.revokeToken(RevokeTokenRequest.newBuilder().setTenant("roles")
        .setId(issued.getInfo().getId()).build());
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
        () -> get(rw, key("x")));
    assertEquals(Status.Code.UNAUTHENTICATED, refused.getStatus().getCode());

    // A tenant's read-write token is not an administrator, of its tenant or any other.
    StatusRuntimeException notAdmin = assertThrows(StatusRuntimeException.class,
        () -> Wire.withToken(AdminServiceGrpc.newBlockingStub(server.channel()),
            issue("roles", TokenRole.TOKEN_ROLE_READ_WRITE))
            .listTenants(ListTenantsRequest.getDefaultInstance()));
    assertEquals(Status.Code.PERMISSION_DENIED, notAdmin.getStatus().getCode());
    // A tenant's admin manages its own tokens but no other tenant.
    AdminServiceBlockingStub tenantAdmin = Wire.withToken(
        AdminServiceGrpc.newBlockingStub(server.channel()),
        issue("roles", TokenRole.TOKEN_ROLE_ADMIN));
    assertEquals("roles", tenantAdmin.describeTenant(DescribeTenantRequest.getDefaultInstance())
        .getTenant().getName());
    assertEquals(Status.Code.PERMISSION_DENIED, assertThrows(StatusRuntimeException.class,
        () -> tenantAdmin.describeTenant(DescribeTenantRequest.newBuilder().setName("default")
            .build())).getStatus().getCode());
  }

  @Test
  void tenantAtItsQuotaCannotGrowButCanReadAndDelete() {
    admin.createTenant(CreateTenantRequest.newBuilder().setName("quota")
        .setLimits(TenantLimits.newBuilder().setMaxKeys(3)).build());
    KvServiceBlockingStub t = kv(issue("quota", TokenRole.TOKEN_ROLE_READ_WRITE));
    for (int i = 0; i < 3; i++) {
      commitOk(t, atomic(set(key("q", (long) i), stringValue("v"))));
    }
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> t.atomic(atomic(set(key("q", 3L), stringValue("v")))));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertEquals("QUOTA_EXCEEDED", reason(e));
    assertTrue(e.getStatus().getDescription().contains("max_keys 3"),
        e.getStatus().getDescription());
    assertFalse(get(t, key("q", 3L)).hasValue(), "a refused write landed");
    // Overwriting in place does not grow the key count; reading and deleting always work.
    commitOk(t, atomic(set(key("q", 0L), stringValue("w"))));
    assertEquals(3, everything(t).size());
    commitOk(t, atomic(delete(key("q", 1L))));
    commitOk(t, atomic(set(key("q", 3L), stringValue("v"))));

    // A byte quota: lowered below what is stored, it refuses growth but not shrinking.
    admin.setTenantLimits(SetTenantLimitsRequest.newBuilder().setName("quota")
        .setLimits(TenantLimits.newBuilder().setMaxBytes(10)).build());
    StatusRuntimeException bytes = assertThrows(StatusRuntimeException.class,
        () -> t.atomic(atomic(set(key("q", 0L), stringValue("longer value")))));
    assertEquals("QUOTA_EXCEEDED", reason(bytes));
    commitOk(t, atomic(set(key("q", 0L), stringValue(""))));
  }

  @Test
  void usageEqualsAFullScanAfterRandomWritesOverwritesDeletesAndExpiry() throws Exception {
    long seed = Long.getLong("tenant.seed", System.nanoTime());
    System.out.println("TenantIT usage seed=" + seed + " (-Dtenant.seed=" + seed + ")");
    Random random = new Random(seed);
    createTenant("usage");
    KvServiceBlockingStub t = kv(issue("usage", TokenRole.TOKEN_ROLE_READ_WRITE));
    for (int i = 0; i < 400; i++) {
      Key k = key("u", "k" + random.nextInt(60));
      switch (random.nextInt(4)) {
        case 0, 1 -> commitOk(t, atomic(set(k, bytesValue(random.nextInt(300)))));
        case 2 -> commitOk(t, atomic(delete(k)));
        default -> commitOk(t, atomic(setExpiring(k, bytesValue(random.nextInt(50)),
            1 + random.nextInt(200))));
      }
    }
    // Expired keys count until the sweep (every 50 ms here) removes them.
    long deadline = System.currentTimeMillis() + 10_000;
    while (true) {
      long[] scanned = scan(t);
      Tenant described = admin.describeTenant(DescribeTenantRequest.newBuilder().setName("usage")
          .build()).getTenant();
      long[] counted = {described.getUsage().getStoredKeys(), described.getUsage()
          .getStoredBytes()};
      if (java.util.Arrays.equals(scanned, counted)) {
        return;
      }
      if (System.currentTimeMillis() > deadline) {
        assertEquals(scanned[0], counted[0], "keys, seed " + seed);
        assertEquals(scanned[1], counted[1], "bytes, seed " + seed);
      }
      Thread.sleep(100);
    }
  }

  @Test
  void deletedTenantLosesItsTokensAtOnceAndItsDataInTheBackground() throws Exception {
    createTenant("doomed");
    KvServiceBlockingStub t = kv(issue("doomed", TokenRole.TOKEN_ROLE_READ_WRITE));
    for (int i = 0; i < 1200; i++) {
      commitOk(t, atomic(set(key("d", (long) i), stringValue("x"))));
    }
    admin.deleteTenant(DeleteTenantRequest.newBuilder().setName("doomed").build());
    assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class,
        () -> get(t, key("d", 0L))).getStatus().getCode());
    long deadline = System.currentTimeMillis() + 20_000;
    while (admin.listTenants(ListTenantsRequest.getDefaultInstance()).getTenantsList().stream()
        .anyMatch(x -> x.getName().equals("doomed"))) {
      assertTrue(System.currentTimeMillis() < deadline, "the deleted tenant's data never went");
      Thread.sleep(100);
    }
    // The name is free again, and the new tenant starts empty.
    createTenant("doomed");
    KvServiceBlockingStub again = kv(issue("doomed", TokenRole.TOKEN_ROLE_READ_WRITE));
    assertEquals(0, everything(again).size());
    assertEquals(0, admin.describeTenant(DescribeTenantRequest.newBuilder().setName("doomed")
        .build()).getTenant().getUsage().getStoredKeys());
  }

  @Test
  void badAdministrationIsRefusedWithClearMessages() {
    assertStatus(Status.Code.INVALID_ARGUMENT, "must be 1 to 32 characters",
        () -> admin.createTenant(CreateTenantRequest.newBuilder().setName("Bad_Name").build()));
    assertStatus(Status.Code.FAILED_PRECONDITION, "tenant 'default' always exists",
        () -> admin.createTenant(CreateTenantRequest.newBuilder().setName("default").build()));
    assertStatus(Status.Code.FAILED_PRECONDITION, "no tenant named 'nope'",
        () -> admin.issueToken(IssueTokenRequest.newBuilder().setTenant("nope")
            .setRole(TokenRole.TOKEN_ROLE_READ_ONLY).build()));
    createTenant("dup");
    assertStatus(Status.Code.FAILED_PRECONDITION, "tenant 'dup' already exists",
        () -> admin.createTenant(CreateTenantRequest.newBuilder().setName("dup").build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "role is required",
        () -> admin.issueToken(IssueTokenRequest.newBuilder().setTenant("dup").build()));
    assertStatus(Status.Code.FAILED_PRECONDITION, "cannot be deleted",
        () -> admin.deleteTenant(DeleteTenantRequest.newBuilder().setName("default").build()));
  }

  @Test
  void kvConnectServesEachTenantItsOwnDatabase() throws Exception {
    createTenant("deno");
    String token = issue("deno", TokenRole.TOKEN_ROLE_READ_WRITE);
    String tenantMeta = kvConnectMetadata(token);
    String rootMeta = kvConnectMetadata(ROOT);
    String tenantId = databaseId(tenantMeta);
    assertNotEquals(databaseId(rootMeta), tenantId);
    assertEquals(tenantId, databaseId(kvConnectMetadata(token)), "the id must be stable");
  }

  @Test
  void kvConnectKeepsEachTenantsDataApart() throws Exception {
    createTenant("kc-a");
    createTenant("kc-b");
    String a = issue("kc-a", TokenRole.TOKEN_ROLE_READ_WRITE);
    String b = issue("kc-b", TokenRole.TOKEN_ROLE_READ_WRITE);
    String aId = databaseId(kvConnectMetadata(a));
    String bId = databaseId(kvConnectMetadata(b));
    // ("kc", "x") in the key encoding: a string part is 0x02, its UTF-8 bytes, 0x00.
    ByteString k = ByteString.copyFrom(new byte[] {2, 'k', 'c', 0, 2, 'x', 0});
    AtomicWrite write = AtomicWrite.newBuilder()
        .addMutations(Mutation.newBuilder().setKey(k).setMutationType(MutationType.M_SET)
            .setValue(KvValue.newBuilder().setEncoding(ValueEncoding.VE_BYTES)
                .setData(ByteString.copyFrom(new byte[] {7}))))
        .build();
    assertEquals(200, kvConnectData("atomic_write", write, a, aId).statusCode());
    // The widest range a Deno client reads, [0x00, 0xFF): a's key, and nothing in b.
    SnapshotRead everything = SnapshotRead.newBuilder()
        .addRanges(ReadRange.newBuilder().setStart(ByteString.copyFrom(new byte[] {0}))
            .setEnd(ByteString.copyFrom(new byte[] {(byte) 0xFF})).setLimit(1000))
        .build();
    assertEquals(1, SnapshotReadOutput.parseFrom(
        kvConnectData("snapshot_read", everything, a, aId).body()).getRanges(0).getValuesCount());
    assertEquals(0, SnapshotReadOutput.parseFrom(
        kvConnectData("snapshot_read", everything, b, bId).body()).getRanges(0).getValuesCount());
    assertFalse(get(kv(ROOT), key("kc", "x")).hasValue(), "the default tenant sees a's key");
    assertEquals(7, get(kv(a), key("kc", "x")).getValue().getBytes().byteAt(0));
    // b cannot name a's database.
    assertEquals(400, kvConnectData("snapshot_read", everything, b, aId).statusCode());
  }

  @Test
  void tenantsTokensAndDataSurviveARestart() throws Exception {
    createTenant("durable");
    String token = issue("durable", TokenRole.TOKEN_ROLE_READ_WRITE);
    commitOk(kv(token), atomic(set(key("kept"), stringValue("yes"))));
    server.restart();
    admin = Wire.withToken(AdminServiceGrpc.newBlockingStub(server.channel()), ROOT);
    assertEquals("yes", get(kv(token), key("kept")).getValue().getString());
    assertFalse(get(kv(ROOT), key("kept")).hasValue());
  }

  @Test
  void tenantOverItsRateIsRefusedWithADelayWhileAnotherKeepsItsFullRate() {
    admin.createTenant(CreateTenantRequest.newBuilder().setName("slow")
        .setLimits(TenantLimits.newBuilder().setRequestsPerSecond(2)).build());
    createTenant("fast");
    KvServiceBlockingStub slow = kv(issue("slow", TokenRole.TOKEN_ROLE_READ_WRITE));
    KvServiceBlockingStub fast = kv(issue("fast", TokenRole.TOKEN_ROLE_READ_WRITE));
    StatusRuntimeException refused = null;
    for (int i = 0; i < 10 && refused == null; i++) {
      try {
        get(slow, key("x"));
      } catch (StatusRuntimeException e) {
        refused = e;
      }
    }
    assertTrue(refused != null, "10 calls in a row never met a limit of 2 per second");
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
    assertEquals("TOO_MANY_REQUESTS", reason(refused));
    com.google.rpc.RetryInfo retry = detail(refused, com.google.rpc.RetryInfo.class);
    assertTrue(retry.getRetryDelay().getSeconds() > 0 || retry.getRetryDelay().getNanos() > 0,
        "no retry delay in " + retry);
    // The other tenant on the same server is not held back by the first one's limit.
    for (int i = 0; i < 50; i++) {
      get(fast, key("x"));
    }
  }

  @Test
  void metricsCountEachTenantsCallsAndUsage() throws Exception {
    createTenant("metered");
    KvServiceBlockingStub t = kv(issue("metered", TokenRole.TOKEN_ROLE_READ_WRITE));
    for (int i = 0; i < 3; i++) {
      commitOk(t, atomic(set(key("m", (long) i), stringValue("v"))));
    }
    long deadline = System.currentTimeMillis() + 15_000;
    while (true) {
      String scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
          "http://127.0.0.1:" + server.metricsPort() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      boolean calls = scrape.lines().anyMatch(l -> l.startsWith(
          "atomkv_tenant_calls_total{tenant=\"metered\"}") && !l.endsWith(" 0.0"));
      boolean keys = scrape.lines().anyMatch(l -> l.equals(
          "atomkv_tenant_stored_keys{tenant=\"metered\"} 3.0"));
      if (calls && keys) {
        return;
      }
      assertTrue(System.currentTimeMillis() < deadline, "no per-tenant series in " + scrape);
      Thread.sleep(200);
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private static void createTenant(String name) {
    admin.createTenant(CreateTenantRequest.newBuilder().setName(name).build());
  }

  private static String issue(String tenant, TokenRole role) {
    return admin.issueToken(IssueTokenRequest.newBuilder().setTenant(tenant).setRole(role)
        .build()).getToken();
  }

  private static KvServiceBlockingStub kv(String token) {
    return Wire.withToken(KvServiceGrpc.newBlockingStub(server.channel()), token)
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }


  private static String reason(StatusRuntimeException e) throws RuntimeException {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    try {
      for (com.google.protobuf.Any detail : status.getDetailsList()) {
        if (detail.is(ErrorInfo.class)) {
          return detail.unpack(ErrorInfo.class).getReason();
        }
      }
    } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
      throw new IllegalStateException(ex);
    }
    return null;
  }

  private static <T extends Message> T detail(StatusRuntimeException e,
      Class<T> type) {
    try {
      for (com.google.protobuf.Any d : StatusProto.fromThrowable(e).getDetailsList()) {
        if (d.is(type)) {
          return d.unpack(type);
        }
      }
    } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
      throw new IllegalStateException(ex);
    }
    throw new AssertionError("no " + type.getSimpleName() + " in " + e);
  }

  private static void assertStatus(Status.Code code, String contains,
      org.junit.jupiter.api.function.Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(code, e.getStatus().getCode(), () -> "status of " + e);
    assertTrue(e.getStatus().getDescription().contains(contains), e.getStatus().getDescription());
  }

  /** Keys and bytes as the usage figures count them: encoded key plus value payload. */
  private static long[] scan(KvServiceBlockingStub t) {
    long keys = 0;
    long bytes = 0;
    for (Entry e : everything(t)) {
      keys++;
      // ["u", "kN"]: 02 'u' 00 02 'k' N.. 00
      bytes += 3 + 2 + e.getKey().getParts(1).getString().length() + e.getValue().getBytes().size();
    }
    return new long[] {keys, bytes};
  }

  private static String kvConnectMetadata(String token) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.kvConnectPort() + "/"))
        .header("authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.ofString("{\"supportedVersions\":[2,3]}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return r.body();
  }

  private static HttpResponse<byte[]> kvConnectData(String endpoint, Message body,
      String token, String databaseId) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + server.kvConnectPort() + "/v2/" + endpoint))
        .header("authorization", "Bearer " + token)
        .header("x-denokv-version", "3")
        .header("x-denokv-database-id", databaseId)
        .header("content-type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String databaseId(String metadata) {
    int at = metadata.indexOf("\"databaseId\"");
    int start = metadata.indexOf('"', metadata.indexOf(':', at) + 1) + 1;
    return metadata.substring(start, metadata.indexOf('"', start));
  }
}
