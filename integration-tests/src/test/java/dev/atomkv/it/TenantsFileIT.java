package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.proto.v1.AdminServiceGrpc;
import dev.atomkv.proto.v1.AdminServiceGrpc.AdminServiceBlockingStub;
import dev.atomkv.proto.v1.ListTenantsRequest;
import dev.atomkv.proto.v1.SetTenantLimitsRequest;
import dev.atomkv.proto.v1.Tenant;
import dev.atomkv.proto.v1.TenantLimits;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --tenants-file through the real server: tenants and limits at start-up, and bad lines. */
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
