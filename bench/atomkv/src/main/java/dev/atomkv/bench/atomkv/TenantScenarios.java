package dev.atomkv.bench.atomkv;

import com.google.protobuf.ByteString;
import dev.atomkv.bench.core.AsyncOp;
import dev.atomkv.bench.core.Dataset;
import dev.atomkv.bench.core.Outcome;
import dev.atomkv.proto.v1.AdminServiceGrpc;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.proto.v1.Check;
import dev.atomkv.proto.v1.CreateTenantRequest;
import dev.atomkv.proto.v1.GetRequest;
import dev.atomkv.proto.v1.GetResponse;
import dev.atomkv.proto.v1.IssueTokenRequest;
import dev.atomkv.proto.v1.Key;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.Mutation;
import dev.atomkv.proto.v1.TokenRole;
import dev.atomkv.proto.v1.Value;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

/**
 * The Atomic and Get scenarios again, as a tenant: the same keys and values in a tenant of their
 * own, reached with a token issued to it, so that the per-call tenant work (the token's lookup,
 * the keys' prefix) is all that differs from the default tenant's runs beside them.
 */
final class TenantScenarios {
  static final String TENANT = "bench";
  private static final long DEADLINE_MS = 10_000;

  private final KvServiceGrpc.KvServiceStub kv;
  private final Key[] keys;
  private final AtomicReferenceArray<ByteString> versionstamps;
  private final AtomicLong seq = new AtomicLong();
  /** Told every acknowledged commit's versionstamp, so the driver counts batches as it does. */
  private final Consumer<ByteString> committed;

  private TenantScenarios(KvServiceGrpc.KvServiceStub kv, Key[] keys,
      Consumer<ByteString> committed) {
    this.kv = kv;
    this.keys = keys;
    this.committed = committed;
    this.versionstamps = new AtomicReferenceArray<>(keys.length);
  }

  /** Creates the tenant, issues its token, and writes every key once into it. */
  static TenantScenarios setUp(ManagedChannel channel, Key[] keys,
      Consumer<ByteString> committed) throws Exception {
    var admin = AdminServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS);
    admin.createTenant(CreateTenantRequest.newBuilder().setName(TENANT).build());
    String token = admin.issueToken(IssueTokenRequest.newBuilder().setTenant(TENANT)
        .setRole(TokenRole.TOKEN_ROLE_READ_WRITE).build()).getToken();
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + token);
    TenantScenarios t = new TenantScenarios(KvServiceGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers)), keys, committed);
    var blocking = KvServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    for (int from = 0; from < keys.length; from += 1000) {
      AtomicRequest.Builder req = AtomicRequest.newBuilder();
      int to = Math.min(keys.length, from + 1000);
      for (int k = from; k < to; k++) {
        req.addMutations(Mutation.newBuilder().setKey(keys[k]).setSet(value(k, 0)));
      }
      AtomicResponse resp = blocking.withDeadlineAfter(60, TimeUnit.SECONDS).atomic(req.build());
      for (int k = from; k < to; k++) {
        t.versionstamps.set(k, resp.getVersionstamp());
      }
    }
    return t;
  }

  /** As the default tenant's Atomic: check the key's last versionstamp, set a new value. */
  AsyncOp atomicOp() {
    return done -> {
      int k = ThreadLocalRandom.current().nextInt(keys.length);
      AtomicRequest req = AtomicRequest.newBuilder()
          .addChecks(Check.newBuilder().setKey(keys[k]).setVersionstamp(versionstamps.get(k)))
          .addMutations(Mutation.newBuilder().setKey(keys[k])
              .setSet(value(k, seq.incrementAndGet())))
          .build();
      kv.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS).atomic(req,
          new Calls.Observer<AtomicResponse>(done) {
            @Override
            public void onNext(AtomicResponse resp) {
              if (resp.getOk()) {
                versionstamps.set(k, resp.getVersionstamp());
                committed.accept(resp.getVersionstamp());
              }
              done.complete(resp.getOk() ? Outcome.OK : Outcome.NOT_OK, null);
            }
          });
    };
  }

  AsyncOp getOp() {
    return done -> {
      int k = ThreadLocalRandom.current().nextInt(keys.length);
      kv.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS).get(
          GetRequest.newBuilder().addKeys(keys[k]).build(), new Calls.Observer<GetResponse>(done) {
            @Override
            public void onNext(GetResponse resp) {
              boolean found = resp.getEntriesCount() == 1 && resp.getEntries(0).hasValue();
              done.complete(found ? Outcome.OK : Outcome.NOT_OK, null);
            }
          });
    };
  }

  private static Value value(int index, long seq) {
    return Value.newBuilder().setBytes(ByteString.copyFrom(Dataset.value(index, seq))).build();
  }
}
