package dev.atomkv.server.tenant;

/** The tenant of every call until calls carry one of their own. */
public final class DefaultTenant {
  public static final String NAME = "default";

  private DefaultTenant() {}
}
