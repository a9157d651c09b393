package dev.atomkv.server.auth;

import dev.atomkv.server.model.tenant.TenantKeys;

/**
 * Who a call acts as: a tenant, and what it may do there.
 *
 * @param tenant the tenant whose data the call sees ({@link TenantKeys#DEFAULT} for the tokens of
 *     the server's own settings, and for every call when authentication is off)
 */
public record Principal(String tenant, Role role) {
  /** What a principal may do, each role including the ones before it. */
  public enum Role {
    /** reads and watches of its tenant */
    READ_ONLY,
    /** reads and writes of its tenant */
    READ_WRITE,
    /** also its own tenant's tokens and usage */
    TENANT_ADMIN,
    /** also every tenant, backups and the cluster: the server's own read-write tokens */
    SERVER_ADMIN;

    public boolean atLeast(Role other) {
      return compareTo(other) >= 0;
    }
  }

  /** The caller when authentication is off: one tenant, and nothing to keep anyone from anything. */
  public static final Principal OPEN = new Principal(TenantKeys.DEFAULT, Role.SERVER_ADMIN);

  public boolean canWrite() {
    return role.atLeast(Role.READ_WRITE);
  }
}
