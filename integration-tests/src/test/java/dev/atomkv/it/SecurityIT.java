package dev.atomkv.it;

import static dev.atomkv.it.Wire.key;
import static dev.atomkv.it.Wire.set;
import static dev.atomkv.it.Wire.stringValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvValue;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.GetRequest;
import dev.atomkv.proto.v1.Key;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.WatchRequest;
import dev.atomkv.server.AtomkvServer;
import dev.atomkv.server.ServerConfig;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptors;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * TLS, mTLS, bearer tokens and the non-loopback guard, against the real Netty server. The
 * certificates are grpc-testing's: a test CA, a server certificate for {@code *.test.google.fr}
 * (hence the authority override) and a client certificate signed by the same CA.
 */
class SecurityIT {
  private static final Key K = key("secure", 1L);

  @TempDir Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  @Test
  void tlsClientConnectsAndAPlaintextClientCannot() throws Exception {
    AtomkvServer server = start("--tls-cert=" + cert("server1.pem"),
        "--tls-key=" + cert("server1.key"));

    KvClient kv = KvClient.create(channel(server, tls(false)));
    kv.set(dev.atomkv.client.Key.of("secure", 1L), KvValue.of("over TLS"));
    assertEquals(KvValue.of("over TLS"), kv.get(dev.atomkv.client.Key.of("secure", 1L)).value());

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> health(channel(server, InsecureChannelCredentials.create())));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
  }

  @Test
  void mutualTlsNeedsAClientCertificateSignedByTheCa() throws Exception {
    AtomkvServer server = start("--tls-cert=" + cert("server1.pem"),
        "--tls-key=" + cert("server1.key"), "--tls-client-ca=" + cert("ca.pem"));

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub(channel(server, tls(false)), null).atomic(write("no client cert")));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());

    Channel withCert = channel(server, tls(true));
    assertTrue(stub(withCert, null).atomic(write("with client cert")).getOk());
    assertEquals("with client cert", read(stub(withCert, null)));
  }

  @Test
  void tokensGuardEveryCallButHealth() throws Exception {
    Path tokens = Files.writeString(dir.resolve("tokens"),
        "# test tokens\nrw-token\nro-token readonly\n");
    AtomkvServer server = start("--auth-tokens-file=" + tokens);
    Channel channel = channel(server, InsecureChannelCredentials.create());
    KvServiceGrpc.KvServiceBlockingStub rw = stub(channel, "rw-token");
    assertTrue(rw.atomic(write("original")).getOk());

    for (String token : new String[] {null, "wrong-token", "rw-toke", "rw-token2"}) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> stub(channel, token).atomic(write("overwritten")));
      assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode(), token);
      assertEquals("missing or invalid credentials", e.getStatus().getDescription());
      e = assertThrows(StatusRuntimeException.class, () -> read(stub(channel, token)));
      assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode(), token);
    }
    assertEquals("original", read(rw), "a refused write changed data");

    KvServiceGrpc.KvServiceBlockingStub ro = stub(channel, "ro-token");
    assertEquals("original", read(ro));
    WatchRequest watch = WatchRequest.newBuilder().addKeys(K).build();
    assertEquals("original", ro.watch(watch).next().getEntries(0).getEntry().getValue()
        .getString(), "a watch is a read");
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub(channel, null).watch(watch).next());
    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
    e = assertThrows(StatusRuntimeException.class, () -> ro.atomic(write("by a reader")));
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
    assertEquals("read-only token", e.getStatus().getDescription());
    assertEquals("original", read(rw), "a read-only token wrote");
    // Taking and settling queue messages changes the queue: not for a reader either.
    e = assertThrows(StatusRuntimeException.class, () -> ro.listen(
        dev.atomkv.proto.v1.ListenRequest.getDefaultInstance()).hasNext());
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
    e = assertThrows(StatusRuntimeException.class, () -> ro.ack(
        dev.atomkv.proto.v1.AckRequest.newBuilder().setLeaseId("x").build()));
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());

    assertEquals(ServingStatus.SERVING, health(channel));
  }

  @Test
  void reloadingTheTokensFileRevokesARemovedToken() throws Exception {
    Path tokens = Files.writeString(dir.resolve("tokens"), "old-token\nkept-token\n");
    AtomkvServer server = start("--auth-tokens-file=" + tokens);
    Channel channel = channel(server, InsecureChannelCredentials.create());
    assertTrue(stub(channel, "old-token").atomic(write("v1")).getOk());

    Files.writeString(tokens, "kept-token\nnew-token readonly\n");
    server.reloadTokens();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> read(stub(channel, "old-token")));
    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
    assertEquals("v1", read(stub(channel, "new-token")));

    // A broken file is not applied: the tokens in force stay.
    Files.writeString(tokens, "kept-token readwrite\n");
    assertThrows(IllegalArgumentException.class, server::reloadTokens);
    assertEquals("v1", read(stub(channel, "kept-token")));
  }

  @Test
  void sighupReloadsTheTokensFile() throws Exception {
    Path tokens = Files.writeString(dir.resolve("tokens"), "old-token\n");
    AtomkvServer server = start("--auth-tokens-file=" + tokens);
    // Without the server's handler a SIGHUP would end this JVM: make sure it is there first.
    Signal hup = new Signal("HUP");
    SignalHandler installed = Signal.handle(hup, SignalHandler.SIG_DFL);
    Signal.handle(hup, installed);
    assumeTrue(installed != SignalHandler.SIG_DFL && installed != SignalHandler.SIG_IGN);

    Channel channel = channel(server, InsecureChannelCredentials.create());
    read(stub(channel, "old-token"));
    Files.writeString(tokens, "new-token\n");
    Signal.raise(hup);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!revoked(stub(channel, "old-token")) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(revoked(stub(channel, "old-token")), "SIGHUP did not reload the tokens file");
    read(stub(channel, "new-token"));
  }

  @Test
  void aNonLoopbackBindWithoutAuthRefusesToStart() throws Exception {
    Path data = dir.resolve("refused");
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> AtomkvServer.start(config(data, "--bind=0.0.0.0")));
    assertTrue(e.getMessage().contains("--insecure"), e.getMessage());
    assertFalse(Files.exists(data), "the engine was opened before the refusal");

    AtomkvServer insecure = start("--bind=0.0.0.0", "--insecure");
    assertEquals(ServingStatus.SERVING,
        health(channel(insecure, InsecureChannelCredentials.create())));
    insecure.close();

    AtomkvServer withToken = start("--bind=0.0.0.0", "--auth-token=t0ken");
    Channel channel = channel(withToken, InsecureChannelCredentials.create());
    assertTrue(stub(channel, "t0ken").atomic(write("reachable")).getOk());
  }

  private AtomkvServer start(String... flags) throws IOException {
    AtomkvServer server = AtomkvServer.start(config(dir.resolve("data"), flags));
    open.add(server);
    return server;
  }

  private static ServerConfig config(Path data, String... flags) {
    List<String> args = new ArrayList<>(List.of("--port=0", "--data-dir=" + data,
        "--map-size=64m", "--shutdown-grace-ms=2000", "--metrics-port=0",
        "--kv-connect-port=0", "--console-port=0"));
    args.addAll(List.of(flags));
    if (args.stream().noneMatch(a -> a.startsWith("--bind="))) {
      args.add("--bind=127.0.0.1");
    }
    return ServerConfig.parse(args.toArray(String[]::new));
  }

  private Path cert(String name) throws IOException {
    return TestCertificates.file(dir, name);
  }

  private ChannelCredentials tls(boolean withClientCert) throws IOException {
    TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder()
        .trustManager(cert("ca.pem").toFile());
    if (withClientCert) {
      tls.keyManager(cert("client.pem").toFile(), cert("client.key").toFile());
    }
    return tls.build();
  }

  private ManagedChannel channel(AtomkvServer server, ChannelCredentials credentials) {
    ManagedChannel channel = NettyChannelBuilder
        .forAddress("127.0.0.1", server.port(), credentials)
        .overrideAuthority("foo.test.google.fr")
        .build();
    open.add(() -> {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    });
    return channel;
  }

  private static KvServiceGrpc.KvServiceBlockingStub stub(Channel channel, String token) {
    Channel c = channel;
    if (token != null) {
      Metadata headers = new Metadata();
      headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
          "Bearer " + token);
      c = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    }
    return KvServiceGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static ServingStatus health(Channel channel) {
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus();
  }

  private static AtomicRequest write(String value) {
    return AtomicRequest.newBuilder().addMutations(set(K, stringValue(value))).build();
  }

  private static String read(KvServiceGrpc.KvServiceBlockingStub stub) {
    return stub.get(GetRequest.newBuilder().addKeys(K).build()).getEntries(0).getValue()
        .getString();
  }

  private static boolean revoked(KvServiceGrpc.KvServiceBlockingStub stub) {
    try {
      read(stub);
      return false;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() == Status.Code.UNAUTHENTICATED;
    }
  }
}
