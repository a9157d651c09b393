package dev.atomkv.server.api;

import dev.atomkv.server.auth.Principal;
import io.grpc.Context;

/**
 * The principal of the call in progress, set by {@link TokenAuthInterceptor}. A service reached
 * without it (an in-process test server without the interceptor) acts for the default tenant.
 */
public final class CallPrincipal {
  static final Context.Key<Principal> KEY = Context.key("atomkv-principal");

  private CallPrincipal() {}

  public static Principal current() {
    Principal p = KEY.get();
    return p == null ? Principal.OPEN : p;
  }

  /** The tenant of the call in progress. */
  public static String tenant() {
    return current().tenant();
  }
}
