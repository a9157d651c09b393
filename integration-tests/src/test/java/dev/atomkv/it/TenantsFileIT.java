package dev.atomkv.it;

import static dev.atomkv.it.Wire.atomic;
import static dev.atomkv.it.Wire.commitOk;
import static dev.atomkv.it.Wire.everything;
import static dev.atomkv.it.Wire.get;
import static dev.atomkv.it.Wire.key;
import static dev.atomkv.it.Wire.set;
import static dev.atomkv.it.Wire.stringValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.proto.v1.AdminServiceGrpc;
import dev.atomkv.proto.v1.AdminServiceGrpc.AdminServiceBlockingStub;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.IssueTokenRequest;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.KvServiceGrpc.KvServiceBlockingStub;
import dev.atomkv.proto.v1.ListTenantsRequest;
import dev.atomkv.proto.v1.SetTenantLimitsRequest;
import dev.atomkv.proto.v1.Tenant;
import dev.atomkv.proto.v1.TenantLimits;
import dev.atomkv.proto.v1.TokenRole;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --tenants-file through the real server: tenants and limits at start-up, bad lines, and a data
 * directory written before any tenant existed.
 */
class TenantsFileIT {
  private static final String ROOT = "tenants-file-it-root";
  @TempDir Path dir;

  @Test
  void tenantsAreCreatedAndGivenTheirLimitsAtEveryStart() throws Exception {
    Path file = Files.writeString(dir.resolve("tenants.conf"), """
        # tenants of this server
        tenant alpha max_keys=10 max_bytes=5000
        tenant beta requests_per_second=20 read_units_per_minute=600 write_units_per_minute=60
        tenant default max_keys=1000000
        """);
    try (RunningServer server = RunningServer.start(dir.resolve("data"),
        "--auth-token=" + ROOT, "--tenants-file=" + file)) {
      Map<String, Tenant> tenants = tenants(server);
      assertEquals(TenantLimits.newBuilder().setMaxKeys(10).setMaxBytes(5000).build(),
          tenants.get("alpha").getLimits());
      assertEquals(TenantLimits.newBuilder().setRequestsPerSecond(20).setReadUnitsPerMinute(600)
          .setWriteUnitsPerMinute(60).build(), tenants.get("beta").getLimits());
      assertEquals(1_000_000, tenants.get("default").getLimits().getMaxKeys());
      assertEquals(3, tenants.size(), tenants.keySet().toString());

      // Changed through the API, then the file is applied again at the next start: the file wins
      // for the tenants it names; the others are left alone.
      admin(server).setTenantLimits(SetTenantLimitsRequest.newBuilder().setName("alpha")
          .setLimits(TenantLimits.newBuilder().setMaxKeys(1)).build());
      Files.writeString(file, "tenant alpha max_keys=20\ntenant gamma\n");
      server.restart();
      tenants = tenants(server);
      assertEquals(TenantLimits.newBuilder().setMaxKeys(20).build(),
          tenants.get("alpha").getLimits());
      assertEquals(TenantLimits.getDefaultInstance(), tenants.get("gamma").getLimits());
      assertEquals(20, tenants.get("beta").getLimits().getRequestsPerSecond(),
          "a tenant no longer in the file is left as it was");
      assertEquals(1_000_000, tenants.get("default").getLimits().getMaxKeys());
    }
  }

  @Test
  void aBadLineFailsStartUpNamingTheLine() throws Exception {
    Path file = Files.writeString(dir.resolve("tenants.conf"),
        "tenant fine max_keys=3\n\n# next one is wrong\ntenant worse max_keys=lots\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RunningServer.start(dir.resolve("data"), "--tenants-file=" + file));
    assertEquals("--tenants-file " + file + " line 4: max_keys must be a whole number from 0 to "
        + Long.MAX_VALUE + ", got 'lots'", e.getMessage());

    Path missing = dir.resolve("absent.conf");
    IllegalArgumentException absent = assertThrows(IllegalArgumentException.class,
        () -> RunningServer.start(dir.resolve("data"), "--tenants-file=" + missing));
    assertTrue(absent.getMessage().contains("--tenants-file " + missing + " does not exist"),
        absent.getMessage());

    // Nothing was created by the refused start: the good line before the bad one included.
    try (RunningServer server = RunningServer.start(dir.resolve("data"),
        "--auth-token=" + ROOT)) {
      assertEquals(1, tenants(server).size(), tenants(server).keySet().toString());
    }
  }

  @Test
  void everyClusterMemberAppliesTheFileOnceTheClusterCommits() throws Exception {
    // The first member starts before there is a quorum: it applies the file in the background.
    Path file = Files.writeString(dir.resolve("tenants.conf"),
        "tenant alpha max_keys=10\ntenant beta max_bytes=5000\n");
    try (TestCluster cluster = TestCluster.start(dir.resolve("cluster"), "tenants-file", 3,
        "--tenants-file=" + file)) {
      long deadline = System.currentTimeMillis() + TestCluster.WAIT_MS;
      for (int i = 0; i < cluster.size(); i++) {
        Map<String, Tenant> seen = Map.of();
        while (System.currentTimeMillis() < deadline) {
          seen = cluster.admin(i).listTenants(ListTenantsRequest.getDefaultInstance())
              .getTenantsList().stream()
              .collect(Collectors.toMap(Tenant::getName, Function.identity()));
          if (seen.containsKey("alpha") && seen.containsKey("beta")
              && seen.get("beta").getLimits().getMaxBytes() == 5000) {
            break;
          }
          Thread.sleep(100);
        }
        assertEquals(Set.of("default", "alpha", "beta"), seen.keySet(), "member " + i);
        assertEquals(10, seen.get("alpha").getLimits().getMaxKeys(), "member " + i);
        assertEquals(5000, seen.get("beta").getLimits().getMaxBytes(), "member " + i);
      }
    }
  }

  @Test
  void keysWrittenBeforeAnyTenantExistedStayTheDefaultTenantsOnceTenantsAreConfigured()
      throws Exception {
    Path data = dir.resolve("data");
    List<Entry> written;
    try (RunningServer server = RunningServer.start(data, "--auth-token=" + ROOT)) {
      KvServiceBlockingStub kv = kv(server, ROOT);
      for (int i = 0; i < 20; i++) {
        commitOk(kv, atomic(set(key("old", i), stringValue("v" + i))));
      }
      written = everything(kv);
      assertEquals(20, written.size());
    }
    // The same data directory, now with tenants configured.
    Path file = Files.writeString(dir.resolve("tenants.conf"), "tenant newcomer max_keys=5\n");
    try (RunningServer server = RunningServer.start(data, "--auth-token=" + ROOT,
        "--tenants-file=" + file)) {
      assertEquals(written, everything(kv(server, ROOT)),
          "every key, value and versionstamp is the default tenant's as it was");
      String token = admin(server).issueToken(IssueTokenRequest.newBuilder().setTenant("newcomer")
          .setRole(TokenRole.TOKEN_ROLE_READ_WRITE).build()).getToken();
      assertEquals(List.of(), everything(kv(server, token)), "a new tenant starts empty");
      commitOk(kv(server, token), atomic(set(key("old", 0), stringValue("newcomer's"))));
      assertEquals("v0", get(kv(server, ROOT), key("old", 0)).getValue().getString());
      Map<String, Tenant> tenants = tenants(server);
      assertEquals(20, tenants.get("default").getUsage().getStoredKeys());
      assertEquals(1, tenants.get("newcomer").getUsage().getStoredKeys());
    }
  }

  private static KvServiceBlockingStub kv(RunningServer server, String token) {
    return Wire.withToken(KvServiceGrpc.newBlockingStub(server.channel()), token);
  }

  private static Map<String, Tenant> tenants(RunningServer server) {
    return admin(server).listTenants(ListTenantsRequest.getDefaultInstance()).getTenantsList()
        .stream().collect(Collectors.toMap(Tenant::getName, Function.identity()));
  }

  private static AdminServiceBlockingStub admin(RunningServer server) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + ROOT);
    return AdminServiceGrpc.newBlockingStub(server.channel())
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }
}
