package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import dev.atomkv.client.KvException;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.proto.v1.Check;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.GetRequest;
import dev.atomkv.proto.v1.Key;
import dev.atomkv.proto.v1.KeyPart;
import dev.atomkv.proto.v1.KvServiceGrpc.KvServiceBlockingStub;
import dev.atomkv.proto.v1.ListRequest;
import dev.atomkv.proto.v1.ListResponse;
import dev.atomkv.proto.v1.Mutation;
import dev.atomkv.proto.v1.Value;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.function.Executable;

/**
 * Builders for raw {@code atomkv.v1} messages and assertions on gRPC statuses, for the tests that
 * care about exact wire fields. Not a test class (failsafe runs only {@code *IT}).
 */
final class Wire {
  private Wire() {}

  // ---- keys ----

  /** A wire key: String → string part, byte[] → bytes, Integer/Long → int, Double → number, Boolean → boolean. */
  /** {@code stub} sending {@code authorization: Bearer <token>} with every call. */
  static <S extends io.grpc.stub.AbstractStub<S>> S withToken(S stub, String token) {
    io.grpc.Metadata headers = new io.grpc.Metadata();
    headers.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + token);
    return stub.withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  static Key key(Object... parts) {
    Key.Builder k = Key.newBuilder();
    for (Object p : parts) {
      KeyPart.Builder b = KeyPart.newBuilder();
      if (p instanceof String s) {
        b.setString(s);
      } else if (p instanceof byte[] bytes) {
        b.setBytes(ByteString.copyFrom(bytes));
      } else if (p instanceof Integer i) {
        b.setInt(i);
      } else if (p instanceof Long l) {
        b.setInt(l);
      } else if (p instanceof Double d) {
        b.setNumber(d);
      } else if (p instanceof Boolean z) {
        b.setBoolean(z);
      } else {
        throw new IllegalArgumentException("unsupported part " + p);
      }
      k.addParts(b);
    }
    return k.build();
  }

  /**
   * A key of exactly {@code encodedSize} encoded bytes: one bytes part (0x01, payload, 0x00) whose
   * payload has no 0x00 byte. {@code tag} (1..255) starts the payload so keys of one size differ.
   */
  static Key sizedKey(int encodedSize, int tag) {
    return key(sizedBytes(encodedSize - 2, tag));
  }

  /** {@link #sizedKey(int, int)} as the client's key. */
  static dev.atomkv.client.Key sizedClientKey(int encodedSize, int tag) {
    return dev.atomkv.client.Key.of(sizedBytes(encodedSize - 2, tag));
  }

  /** {@code n} bytes without 0x00, starting with {@code tag} (1..255) when n > 0. */
  static byte[] sizedBytes(int n, int tag) {
    if (tag < 1 || tag > 255) {
      throw new IllegalArgumentException("tag " + tag);
    }
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) 'k');
    if (n > 0) {
      b[0] = (byte) tag;
    }
    return b;
  }

  // ---- values ----

  static Value bytesValue(byte[] b) {
    return Value.newBuilder().setBytes(ByteString.copyFrom(b)).build();
  }

  static Value bytesValue(int size) {
    byte[] b = new byte[size];
    Arrays.fill(b, (byte) 'v');
    return bytesValue(b);
  }

  static Value stringValue(String s) {
    return Value.newBuilder().setString(s).build();
  }

  static Value u64Value(long unsigned) {
    return Value.newBuilder().setU64(unsigned).build();
  }

  static Value jsonValue(com.google.protobuf.Value json) {
    return Value.newBuilder().setJson(json).build();
  }

  static Value v8Value(byte[] b) {
    return Value.newBuilder().setV8(ByteString.copyFrom(b)).build();
  }

  // ---- checks and mutations ----

  static Check checkAbsent(Key key) {
    return Check.newBuilder().setKey(key).setAbsent(Empty.getDefaultInstance()).build();
  }

  static Check checkVersionstamp(Key key, ByteString versionstamp) {
    return Check.newBuilder().setKey(key).setVersionstamp(versionstamp).build();
  }

  static Mutation set(Key key, Value value) {
    return Mutation.newBuilder().setKey(key).setSet(value).build();
  }

  static Mutation setExpiring(Key key, Value value, long expireInMs) {
    return Mutation.newBuilder().setKey(key).setSet(value).setExpireInMs(expireInMs).build();
  }

  static Mutation setSuffixed(Key prefix, Value value) {
    return Mutation.newBuilder().setKey(prefix).setSet(value).setVersionstampSuffix(true).build();
  }

  static Mutation delete(Key key) {
    return Mutation.newBuilder().setKey(key).setDelete(Empty.getDefaultInstance()).build();
  }

  static Mutation sum(Key key, long operand) {
    return Mutation.newBuilder().setKey(key).setSum(operand).build();
  }

  static Mutation min(Key key, long operand) {
    return Mutation.newBuilder().setKey(key).setMin(operand).build();
  }

  static Mutation max(Key key, long operand) {
    return Mutation.newBuilder().setKey(key).setMax(operand).build();
  }

  static AtomicRequest atomic(List<Check> checks, List<Mutation> mutations) {
    return AtomicRequest.newBuilder().addAllChecks(checks).addAllMutations(mutations).build();
  }

  static AtomicRequest atomic(Mutation... mutations) {
    return atomic(List.of(), List.of(mutations));
  }

  // ---- calls ----

  /** Commits and asserts ok=true with a 10-byte versionstamp; returns the versionstamp. */
  static ByteString commitOk(KvServiceBlockingStub stub, AtomicRequest request) {
    AtomicResponse r = stub.atomic(request);
    assertTrue(r.getOk(), () -> "expected ok=true, got " + r);
    assertEquals(10, r.getVersionstamp().size(), () -> "versionstamp of " + r);
    assertEquals(List.of(), r.getFailedChecksList());
    return r.getVersionstamp();
  }

  static Entry get(KvServiceBlockingStub stub, Key key) {
    List<Entry> entries = stub.get(GetRequest.newBuilder().addKeys(key).build()).getEntriesList();
    assertEquals(1, entries.size());
    return entries.get(0);
  }

  /** Every live entry of the database, in key order (pages of the server's default size). */
  static List<Entry> everything(KvServiceBlockingStub stub) {
    List<Entry> all = new ArrayList<>();
    String cursor = "";
    do {
      ListResponse page = stub.list(ListRequest.newBuilder()
          .setPrefix(Key.getDefaultInstance()).setCursor(cursor).build());
      all.addAll(page.getEntriesList());
      cursor = page.getCursor();
    } while (!cursor.isEmpty());
    return all;
  }

  /** Entries under a prefix (up to 1000), in key order. */
  static List<Entry> list(KvServiceBlockingStub stub, Key prefix) {
    return stub.list(ListRequest.newBuilder().setPrefix(prefix).setLimit(1000).build())
        .getEntriesList();
  }

  /** Asserts the call fails with exactly this code and description. */
  static StatusRuntimeException assertStatus(Status.Code code, String description, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(code, e.getStatus().getCode(), () -> "status of " + e);
    if (description != null) {
      assertEquals(description, e.getStatus().getDescription());
    }
    return e;
  }

  /** Asserts the client call fails with exactly this code and description. */
  static KvException assertKv(Status.Code code, String description, Executable call) {
    KvException e = assertThrows(KvException.class, call);
    assertEquals(code, e.code(), () -> "code of " + e);
    assertEquals(description, e.description());
    return e;
  }

  /**
   * Sends a request that must be refused with {@code code} and {@code description} (null: any
   * description), then asserts the whole database is exactly as before and that the server still
   * commits.
   */
  static StatusRuntimeException assertRefusedAndNothingChanged(KvServiceBlockingStub stub,
      Status.Code code, String description, AtomicRequest request) {
    List<Entry> before = everything(stub);
    StatusRuntimeException e = assertStatus(code, description, () -> stub.atomic(request));
    assertEquals(before, everything(stub), "a refused request changed the database");
    // The server keeps serving: a valid commit after the refusal succeeds (and is then undone).
    // A 1-byte key and an 8-byte value, so that it fits the lowered limits of any test.
    Key probe = key(true);
    commitOk(stub, atomic(set(probe, u64Value(1))));
    commitOk(stub, atomic(delete(probe)));
    return e;
  }

  static String utf8Repeat(String s, int times) {
    return s.repeat(times);
  }

  static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  static <T> List<T> listOf(int n, java.util.function.IntFunction<T> f) {
    List<T> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(f.apply(i));
    }
    return out;
  }
}
