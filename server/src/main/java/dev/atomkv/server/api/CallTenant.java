package dev.atomkv.server.api;

import dev.atomkv.server.tenant.DefaultTenant;

/**
 * The tenant a gRPC call acts for. Every call belongs to the default tenant until tokens name
 * one; this is the one place that decides, so rate limits (and anything else per tenant) follow
 * whatever it answers.
 */
public final class CallTenant {
  private CallTenant() {}

  /** The tenant of the call running on this thread. */
  public static String current() {
    return DefaultTenant.NAME;
  }
}
