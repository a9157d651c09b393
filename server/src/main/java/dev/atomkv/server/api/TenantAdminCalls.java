package dev.atomkv.server.api;

import dev.atomkv.proto.v1.Tenant;
import dev.atomkv.proto.v1.TenantLimits;
import dev.atomkv.proto.v1.TenantUsage;
import dev.atomkv.proto.v1.TokenInfo;
import dev.atomkv.proto.v1.TokenRole;
import dev.atomkv.server.auth.Principal;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.tenant.TenantSettings;
import dev.atomkv.server.model.tenant.TokenGrant;
import dev.atomkv.server.model.tenant.Usage;
import dev.atomkv.server.tenant.TenantRegistry;
import io.grpc.Status;

/**
 * The tenant half of the admin service: who may do what (a server administrator anything, a
 * tenant's admin its own tokens and usage), and the mapping between the registry and its
 * messages.
 */
final class TenantAdminCalls {
  private final TenantRegistry registry;
  private final KvEngine store;

  TenantAdminCalls(TenantRegistry registry, KvEngine store) {
    this.registry = registry;
    this.store = store;
  }

  TenantRegistry registry() {
    return registry;
  }

  /** Refuses a caller that is not a server administrator. */
  static void requireServerAdmin() {
    if (!CallPrincipal.current().role().atLeast(Principal.Role.SERVER_ADMIN)) {
      throw Status.PERMISSION_DENIED.withDescription(
          "this call needs a server administrator's token").asRuntimeException();
    }
  }

  /**
   * The tenant a tenant-scoped call names: the caller's own when empty; another tenant only for a
   * server administrator.
   */
  static String scoped(String named) {
    Principal caller = CallPrincipal.current();
    String tenant = named.isEmpty() ? caller.tenant() : named;
    if (!tenant.equals(caller.tenant())) {
      requireServerAdmin();
    }
    return tenant;
  }

  Tenant toProto(TenantSettings s) {
    Usage u = store.usage(s.name());
    return Tenant.newBuilder()
        .setName(s.name())
        .setLimits(TenantLimits.newBuilder()
            .setRequestsPerSecond(s.requestsPerSecond())
            .setReadUnitsPerMinute(s.readUnitsPerMinute())
            .setWriteUnitsPerMinute(s.writeUnitsPerMinute())
            .setMaxBytes(s.maxBytes())
            .setMaxKeys(s.maxKeys()))
        .setUsage(TenantUsage.newBuilder().setStoredBytes(u.bytes()).setStoredKeys(u.keys()))
        .setCreatedAtMs(s.createdAtMs())
        .setDeleting(s.deleting())
        .build();
  }

  TenantSettings setLimits(String name, TenantLimits l) {
    for (long v : new long[] {l.getRequestsPerSecond(), l.getReadUnitsPerMinute(),
        l.getWriteUnitsPerMinute(), l.getMaxBytes(), l.getMaxKeys()}) {
      if (v < 0) {
        throw KvException.invalid("limits must be below 2^63");
      }
    }
    return registry.setLimits(name, l.getRequestsPerSecond(), l.getReadUnitsPerMinute(),
        l.getWriteUnitsPerMinute(), l.getMaxBytes(), l.getMaxKeys());
  }

  static TokenGrant.Role role(TokenRole role) {
    return switch (role) {
      case TOKEN_ROLE_READ_ONLY -> TokenGrant.Role.READ_ONLY;
      case TOKEN_ROLE_READ_WRITE -> TokenGrant.Role.READ_WRITE;
      case TOKEN_ROLE_ADMIN -> TokenGrant.Role.ADMIN;
      default -> throw new KvException(ErrorKind.INVALID_ARGUMENT,
          "role is required: TOKEN_ROLE_READ_ONLY, TOKEN_ROLE_READ_WRITE or TOKEN_ROLE_ADMIN");
    };
  }

  static TokenInfo toProto(TokenGrant g) {
    return TokenInfo.newBuilder()
        .setId(g.id())
        .setTenant(g.tenant())
        .setRole(switch (g.role()) {
          case READ_ONLY -> TokenRole.TOKEN_ROLE_READ_ONLY;
          case READ_WRITE -> TokenRole.TOKEN_ROLE_READ_WRITE;
          case ADMIN -> TokenRole.TOKEN_ROLE_ADMIN;
        })
        .setCreatedAtMs(g.createdAtMs())
        .build();
  }
}
