package dev.atomkv.server.api;

import dev.atomkv.proto.v1.EntityServiceGrpc;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.AdminServiceGrpc;
import dev.atomkv.server.auth.Authenticator;
import dev.atomkv.server.auth.Principal;
import dev.atomkv.server.auth.TokenStore;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.util.Locale;
import java.util.Set;

/**
 * Bearer-token authentication ({@code authorization: Bearer <token>}) for every service except
 * health, which load balancers and orchestrators probe without credentials. It also tells every
 * call which tenant it acts for ({@link CallPrincipal}), so it is installed even when the server
 * has no tokens of its own: a token issued to a tenant then still reaches that tenant.
 *
 * <p>Installed server-wide rather than per service, so a service added later is protected unless
 * it is added to {@link #OPEN_SERVICES} on purpose. Failures answer a fixed message: whether the
 * header was missing, malformed or simply wrong is not the caller's business.
 */
public final class TokenAuthInterceptor implements ServerInterceptor {
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String BEARER = "bearer ";
  private static final Set<String> OPEN_SERVICES = Set.of(HealthGrpc.SERVICE_NAME);
  private static final String REFLECTION_PREFIX = "grpc.reflection.";
  // Read-only tokens may call only what is listed here and reflection, so a write method or an
  // admin service added later is refused to them until someone decides otherwise.
  private static final Set<String> READ_METHODS = Set.of(
      KvServiceGrpc.getGetMethod().getFullMethodName(),
      KvServiceGrpc.getListMethod().getFullMethodName(),
      KvServiceGrpc.getWatchMethod().getFullMethodName(),
      EntityServiceGrpc.getGetEntityMethod().getFullMethodName(),
      EntityServiceGrpc.getListEntitiesMethod().getFullMethodName(),
      EntityServiceGrpc.getQueryMethod().getFullMethodName());

  private static final String ADMIN_SERVICE = AdminServiceGrpc.SERVICE_NAME;

  private final Authenticator authenticator;
  private final TenantMetrics metrics;

  /** @param metrics where admitted calls are counted per tenant, or null */
  public TokenAuthInterceptor(Authenticator authenticator, TenantMetrics metrics) {
    this.authenticator = authenticator;
    this.metrics = metrics;
  }

  /**
   * Only the tokens {@code loader} reads (no tenants' tokens); a bad file fails start-up rather
   * than serving with no tokens.
   */
  public static TokenAuthInterceptor create(TokenStore.Loader loader) throws IOException {
    return new TokenAuthInterceptor(new Authenticator(TokenStore.load(loader), null), null);
  }

  /**
   * Re-reads the tokens of the server's settings. Calls already admitted keep running; later calls
   * see the new set. If loading fails the old set stays in force and the error is thrown.
   */
  public void reload() throws IOException {
    authenticator.settingsTokens().reload();
  }

  /** How many of the server's own tokens are in force (for the log; never the tokens). */
  public int tokenCount() {
    return authenticator.settingsTokens().size();
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call,
      Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    String service = call.getMethodDescriptor().getServiceName();
    if (OPEN_SERVICES.contains(service)) {
      return next.startCall(call, headers);
    }
    Principal principal = authenticator.authenticate(bearer(headers.get(AUTHORIZATION)));
    if (principal == null) {
      return refuse(call, Status.UNAUTHENTICATED.withDescription("missing or invalid credentials"));
    }
    if (!principal.canWrite() && !service.startsWith(REFLECTION_PREFIX)
        && !READ_METHODS.contains(call.getMethodDescriptor().getFullMethodName())) {
      return refuse(call, Status.PERMISSION_DENIED.withDescription("read-only token"));
    }
    if (service.equals(ADMIN_SERVICE) && !principal.role().atLeast(Principal.Role.TENANT_ADMIN)) {
      return refuse(call, Status.PERMISSION_DENIED.withDescription(
          "administration needs an admin token"));
    }
    if (metrics != null) {
      metrics.called(principal.tenant());
    }
    return Contexts.interceptCall(Context.current().withValue(CallPrincipal.KEY, principal), call,
        headers, next);
  }

  private static String bearer(String header) {
    if (header == null || header.length() <= BEARER.length()
        || !header.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
      return null;
    }
    return header.substring(BEARER.length()).strip();
  }

  private static <ReqT, RespT> ServerCall.Listener<ReqT> refuse(ServerCall<ReqT, RespT> call,
      Status status) {
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
