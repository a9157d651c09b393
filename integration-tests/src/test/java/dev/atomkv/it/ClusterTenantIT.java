package dev.atomkv.it;

import static dev.atomkv.it.Wire.atomic;
import static dev.atomkv.it.Wire.get;
import static dev.atomkv.it.Wire.key;
import static dev.atomkv.it.Wire.set;
import static dev.atomkv.it.Wire.stringValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.proto.v1.AdminServiceGrpc;
import dev.atomkv.proto.v1.CreateTenantRequest;
import dev.atomkv.proto.v1.DescribeTenantRequest;
import dev.atomkv.proto.v1.IssueTokenRequest;
import dev.atomkv.proto.v1.IssueTokenResponse;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.RevokeTokenRequest;
import dev.atomkv.proto.v1.TenantLimits;
import dev.atomkv.proto.v1.TokenRole;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tenants on a three-member cluster: the registry, tokens, quotas and usage are replicated state,
 * so a tenant made through one member is served by every member, a revocation through one is
 * refused by all, and every member counts the same usage.
 */
class ClusterTenantIT {
  private static final String ROOT = "cluster-tenant-root";
  @TempDir Path dir;

  @Test
  void tenantsTokensQuotasAndUsageAreTheSameOnEveryMember() throws Exception {
    try (TestCluster cluster = TestCluster.start(dir, "tenants", 3, "--auth-token=" + ROOT)) {
      cluster.awaitLeader();
      var admin0 = Wire.withToken(cluster.admin(0), ROOT);
      eventually(() -> admin0.createTenant(CreateTenantRequest.newBuilder().setName("acme")
          .setLimits(TenantLimits.newBuilder().setMaxKeys(5)).build()));
      IssueTokenResponse issued = Wire.withToken(cluster.admin(1), ROOT).issueToken(IssueTokenRequest
          .newBuilder().setTenant("acme").setRole(TokenRole.TOKEN_ROLE_READ_WRITE).build());
      String token = issued.getToken();

      // Written through one member, read (strongly) through another, as the tenant only.
      eventually(() -> kv(cluster, 2, token).atomic(atomic(set(key("k"), stringValue("v")))));
      assertEquals("v", eventually(() -> get(kv(cluster, 0, token), key("k"))).getValue()
          .getString());
      assertFalse(get(kv(cluster, 1, ROOT), key("k")).hasValue());

      // The quota holds whichever member takes the write.
      for (int i = 0; i < 4; i++) {
        kv(cluster, i % 3, token).atomic(atomic(set(key("q", (long) i), stringValue("x"))));
      }
      StatusRuntimeException over = org.junit.jupiter.api.Assertions.assertThrows(
          StatusRuntimeException.class, () -> kv(cluster, 1, token)
              .atomic(atomic(set(key("q", 9L), stringValue("x")))));
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, over.getStatus().getCode());

      // Every member counts the same usage.
      for (int i = 0; i < 3; i++) {
        int member = i;
        long deadline = System.currentTimeMillis() + TestCluster.WAIT_MS;
        while (usageKeys(cluster, member) != 5) {
          assertTrue(System.currentTimeMillis() < deadline, "member " + member + " counts "
              + usageKeys(cluster, member) + " keys");
          Thread.sleep(50);
        }
      }

      // Revoked through one member: refused by every member once it has applied the change.
      Wire.withToken(cluster.admin(2), ROOT).revokeToken(RevokeTokenRequest.newBuilder().setTenant("acme")
          .setId(issued.getInfo().getId()).build());
      for (int i = 0; i < 3; i++) {
        int member = i;
        long deadline = System.currentTimeMillis() + TestCluster.WAIT_MS;
        while (true) {
          try {
            get(kv(cluster, member, token), key("k"));
          } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.UNAUTHENTICATED) {
              break;
            }
            throw e;
          }
          assertTrue(System.currentTimeMillis() < deadline,
              "member " + member + " still accepts a revoked token");
          Thread.sleep(50);
        }
      }
    }
  }

  private static long usageKeys(TestCluster cluster, int member) {
    // Each member answers DescribeTenant from its own store's usage table.
    return Wire.withToken(cluster.admin(member), ROOT).describeTenant(DescribeTenantRequest.newBuilder()
        .setName("acme").build()).getTenant().getUsage().getStoredKeys();
  }

  private static KvServiceGrpc.KvServiceBlockingStub kv(TestCluster cluster, int member,
      String token) {
    return Wire.withToken(KvServiceGrpc.newBlockingStub(cluster.node(member).channel()), token)
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }


  /** Retries a call refused while the cluster elects a leader. */
  private static <T> T eventually(Callable<T> call) throws Exception {
    long deadline = System.currentTimeMillis() + TestCluster.WAIT_MS;
    while (true) {
      try {
        return call.call();
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE
            || System.currentTimeMillis() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }
}
