package dev.atomkv.it;

import static dev.atomkv.it.Wire.assertStatus;
import static dev.atomkv.it.Wire.atomic;
import static dev.atomkv.it.Wire.commitOk;
import static dev.atomkv.it.Wire.key;
import static dev.atomkv.it.Wire.set;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.GetRequest;
import dev.atomkv.proto.v1.Key;
import dev.atomkv.proto.v1.KeyPart;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests that are not valid messages of their type get INVALID_ARGUMENT saying so (gRPC's own
 * answer was UNKNOWN "Application error processing RPC", with a stack trace in the server log for
 * each), and non-canonical big integers are refused. Found by {@link HostileInputIT}.
 */
class MalformedMessagesIT {
  @TempDir Path dir;
  private RunningServer server;

  @BeforeEach
  void start() throws IOException {
    server = RunningServer.start(dir);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void bytesThatDoNotParseAreInvalidArgument() {
    // Field 1 as a length-delimited field whose length runs past the end of the message.
    assertRaw("Atomic", new byte[] {0x0a, 0x7f, 0x01}, "request is not a valid "
        + "atomkv.v1.AtomicRequest: While parsing a protocol message, the input ended "
        + "unexpectedly in the middle of a field.");
    assertRaw("Get", new byte[] {0x00}, "request is not a valid atomkv.v1.GetRequest: "
        + "Protocol message contained an invalid tag (zero).");
    // The server keeps serving on the same connection.
    commitOk(server.stub(), atomic(set(key("after"), Wire.u64Value(1))));
  }

  @Test
  void invalidUtf8InAStringFieldIsInvalidArgument() {
    byte[] request = new ProtoBytes().message(1, new ProtoBytes().message(1,
        new ProtoBytes().bytes(2, new byte[] {'a', (byte) 0xc0, (byte) 0xaf}))).toByteArray();
    assertRaw("Get", request,
        "request is not a valid atomkv.v1.GetRequest: Protocol message had invalid UTF-8.");
  }

  @Test
  void messagesNestedBeyondOneHundredLevelsAreInvalidArgument() {
    byte[] doc = new ProtoBytes().fixed64(2, Double.doubleToLongBits(1)).toByteArray();
    for (int i = 0; i < 60; i++) { // a json array level is two message levels
      doc = new ProtoBytes().message(6, new ProtoBytes().bytes(1, doc)).toByteArray();
    }
    byte[] request = new ProtoBytes().message(2, new ProtoBytes().message(1, key("deep"))
        .message(2, new ProtoBytes().bytes(4, doc))).toByteArray();
    assertRaw("Atomic", request, "request is not a valid atomkv.v1.AtomicRequest: "
        + "messages nest more than 100 levels deep");
  }

  @Test
  void bigIntegersMustBeCanonicalDecimal() {
    for (String text : new String[] {"+18446744073709551616", "018446744073709551616", "-0",
        " 18446744073709551616"}) {
      Key k = Key.newBuilder().addParts(KeyPart.newBuilder().setBigInt(text)).build();
      String message = "keys[0].parts[0].big_int is not a decimal integer (digits, an optional "
          + "leading '-', no leading zeros)";
      assertStatus(Status.Code.INVALID_ARGUMENT, message,
          () -> server.stub().get(GetRequest.newBuilder().addKeys(k).build()));
      assertStatus(Status.Code.INVALID_ARGUMENT, message.replace("keys[0]", "mutations[0].key"),
          () -> server.stub().atomic(AtomicRequest.newBuilder()
              .addMutations(set(k, Wire.u64Value(1))).build()));
    }
    Key canonical = Key.newBuilder().addParts(KeyPart.newBuilder()
        .setBigInt("-18446744073709551616")).build();
    commitOk(server.stub(), atomic(set(canonical, Wire.u64Value(1))));
    assertEquals(canonical, Wire.get(server.stub(), canonical).getKey());
  }

  private void assertRaw(String rpc, byte[] request, String description) {
    assertStatus(Status.Code.INVALID_ARGUMENT, description,
        () -> RawCalls.call(server.channel(), rpc, request, 10));
  }
}
