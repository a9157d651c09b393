package dev.atomkv.it;

import static dev.atomkv.it.Wire.atomic;
import static dev.atomkv.it.Wire.checkAbsent;
import static dev.atomkv.it.Wire.checkVersionstamp;
import static dev.atomkv.it.Wire.commitOk;
import static dev.atomkv.it.Wire.key;
import static dev.atomkv.it.Wire.set;
import static dev.atomkv.it.Wire.setExpiring;
import static dev.atomkv.it.Wire.stringValue;
import static dev.atomkv.it.Wire.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import dev.atomkv.proto.v1.GetRequest;
import dev.atomkv.proto.v1.Key;
import dev.atomkv.proto.v1.KvServiceGrpc.KvServiceBlockingStub;
import dev.atomkv.proto.v1.ListRequest;
import dev.atomkv.proto.v1.WatchRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * What gRPC refuses, the console's JSON API refuses with the same code and message: both edges
 * validate through the same model rules (SPEC §5).
 */
class ConsoleRefusalsIT {
  private static final String LONG = "k".repeat(2100);
  private static final String LONG_KEY = "[{\"string\":\"" + LONG + "\"}]";

  @TempDir Path dir;

  @Test
  void refusalsMatchGrpc() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      KvServiceBlockingStub stub = server.stub();
      ConsoleHttp console = new ConsoleHttp(server.consolePort(), null);
      commitOk(stub, atomic(set(key("text"), stringValue("not a counter"))));
      String x65537 = "x".repeat(65537);

      same(console, "value too large",
          () -> stub.atomic(atomic(set(key("big"), stringValue(x65537)))),
          "/api/write", "{\"mutations\":[{\"key\":[{\"string\":\"big\"}],\"set\":"
              + "{\"kind\":\"string\",\"value\":\"" + x65537 + "\"}}]}");
      same(console, "write key too large",
          () -> stub.atomic(atomic(set(key(LONG), stringValue("")))),
          "/api/write", "{\"mutations\":[{\"key\":" + LONG_KEY + ",\"set\":"
              + "{\"kind\":\"string\",\"value\":\"\"}}]}");
      same(console, "read key too large",
          () -> stub.get(GetRequest.newBuilder().addKeys(key(LONG)).build()),
          "/api/get", "{\"keys\":[" + LONG_KEY + "]}");
      same(console, "empty key",
          () -> stub.get(GetRequest.newBuilder().addKeys(Key.getDefaultInstance()).build()),
          "/api/get", "{\"keys\":[[]]}");
      same(console, "page too large",
          () -> stub.list(ListRequest.newBuilder().setPrefix(key()).setLimit(1001).build()),
          "/api/list", "{\"prefix\":[],\"limit\":1001}");
      same(console, "start after end",
          () -> stub.list(ListRequest.newBuilder().setStart(key("b")).setEnd(key("a")).build()),
          "/api/list", "{\"start\":[{\"string\":\"b\"}],\"end\":[{\"string\":\"a\"}]}");
      same(console, "start without end",
          () -> stub.list(ListRequest.newBuilder().setStart(key("b")).build()),
          "/api/list", "{\"start\":[{\"string\":\"b\"}]}");
      same(console, "start outside the prefix",
          () -> stub.list(ListRequest.newBuilder().setPrefix(key("a")).setStart(key("b"))
              .build()),
          "/api/list", "{\"prefix\":[{\"string\":\"a\"}],\"start\":[{\"string\":\"b\"}]}");
      same(console, "undecodable cursor",
          () -> stub.list(ListRequest.newBuilder().setPrefix(key("a")).setCursor("%%").build()),
          "/api/list", "{\"prefix\":[{\"string\":\"a\"}],\"cursor\":\"%%\"}");
      same(console, "too many checks",
          () -> stub.atomic(atomic(Collections.nCopies(101, checkAbsent(key("c"))), List.of())),
          "/api/write", "{\"checks\":["
              + String.join(",", Collections.nCopies(101, "{\"key\":[{\"string\":\"c\"}],"
                  + "\"absent\":true}")) + "]}");
      same(console, "versionstamp not 10 bytes",
          () -> stub.atomic(atomic(List.of(checkVersionstamp(key("c"),
              ByteString.copyFrom(new byte[3]))), List.of())),
          "/api/write", "{\"checks\":[{\"key\":[{\"string\":\"c\"}],\"versionstamp\":\"000000\"}]}");
      same(console, "negative expiry",
          () -> stub.atomic(atomic(setExpiring(key("e"), stringValue(""), -1))),
          "/api/write", "{\"mutations\":[{\"key\":[{\"string\":\"e\"}],\"set\":"
              + "{\"kind\":\"string\",\"value\":\"\"},\"expireInMs\":-1}]}");
      same(console, "sum on a string",
          () -> stub.atomic(atomic(sum(key("text"), 1))),
          "/api/write", "{\"mutations\":[{\"key\":[{\"string\":\"text\"}],\"sum\":\"1\"}]}");
      StringBuilder eleven = new StringBuilder();
      WatchRequest.Builder watch = WatchRequest.newBuilder();
      for (int i = 0; i < 11; i++) {
        eleven.append(i == 0 ? "" : ",").append("[{\"int\":\"").append(i).append("\"}]");
        watch.addKeys(key((long) i));
      }
      same(console, "too many watched keys", () -> stub.watch(watch.build()).hasNext(),
          "/api/watch", "{\"keys\":[" + eleven + "]}");
      assertEquals("not a counter", Wire.get(stub, key("text")).getValue().getString());
      assertFalse(Wire.get(stub, key("big")).hasValue());
    }
  }

  /** Runs the gRPC call and the console call; both must be refused alike. */
  private static void same(ConsoleHttp console, String what, Executable grpc, String path,
      String json) throws Exception {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, grpc, what);
    Status status = e.getStatus();
    ConsoleHttp.Answer answer = console.post(path, json);
    assertNotEquals(200, answer.status(), what + ": " + answer.body());
    assertEquals(status.getCode().name(), answer.code(), what);
    assertEquals(status.getDescription(), answer.message(), what);
  }
}
