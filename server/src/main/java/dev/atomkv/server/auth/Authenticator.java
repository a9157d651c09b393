package dev.atomkv.server.auth;

import dev.atomkv.server.model.tenant.TenantKeys;
import dev.atomkv.server.model.tenant.TokenGrant;
import java.util.function.Function;

/**
 * Turns a presented bearer token into a {@link Principal}, for every edge alike: the tokens of the
 * server's settings (file, flag; the default tenant's) first, then the tokens issued to tenants
 * through the registry. Both are looked up afresh on every call, so a reload or a revocation takes
 * effect on the next call.
 */
public final class Authenticator {
  private final TokenStore settingsTokens;
  private final Function<String, TokenGrant> issuedTokens;

  /**
   * @param settingsTokens the tokens of the server's settings, or null when it has none: then a
   *     call without a known token acts as {@link Principal#OPEN}, as a server without tokens did
   *     before tenants existed
   * @param issuedTokens the grant of a token issued through the registry, or null
   */
  public Authenticator(TokenStore settingsTokens, Function<String, TokenGrant> issuedTokens) {
    this.settingsTokens = settingsTokens;
    this.issuedTokens = issuedTokens == null ? presented -> null : issuedTokens;
  }

  /** Whether a call must present a known token. */
  public boolean required() {
    return settingsTokens != null;
  }

  /** The principal {@code presented} (null for none) acts as, or null when it is refused. */
  public Principal authenticate(String presented) {
    if (presented != null) {
      TokenGrant grant = issuedTokens.apply(presented);
      if (grant != null) {
        return new Principal(grant.tenant(), switch (grant.role()) {
          case READ_ONLY -> Principal.Role.READ_ONLY;
          case READ_WRITE -> Principal.Role.READ_WRITE;
          case ADMIN -> TenantKeys.DEFAULT.equals(grant.tenant())
              ? Principal.Role.SERVER_ADMIN : Principal.Role.TENANT_ADMIN;
        });
      }
    }
    if (settingsTokens == null) {
      return Principal.OPEN;
    }
    return switch (settingsTokens.access(presented)) {
      case READ_WRITE -> new Principal(TenantKeys.DEFAULT, Principal.Role.SERVER_ADMIN);
      case READ_ONLY -> new Principal(TenantKeys.DEFAULT, Principal.Role.READ_ONLY);
      case NONE -> null;
    };
  }

  /** The tokens of the server's settings, or null (for reloads). */
  public TokenStore settingsTokens() {
    return settingsTokens;
  }
}
