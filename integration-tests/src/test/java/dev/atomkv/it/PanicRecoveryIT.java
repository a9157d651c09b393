package dev.atomkv.it;

import static dev.atomkv.it.Wire.assertStatus;
import static dev.atomkv.it.Wire.atomic;
import static dev.atomkv.it.Wire.commitOk;
import static dev.atomkv.it.Wire.everything;
import static dev.atomkv.it.Wire.key;
import static dev.atomkv.it.Wire.set;
import static dev.atomkv.it.Wire.stringValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.server.engine.FailurePoints;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A commit whose meta page write fails leaves LMDB's environment in MDB_PANIC, where it refuses
 * every transaction. The engine reopens it, says so in its log, answers the failed batch as not
 * applied, and serves reads and writes again without a restart.
 */
class PanicRecoveryIT {
  @TempDir Path dir;

  // The package's logger: the reopen is logged by whichever lmdb class owns the environment.
  private final Logger engineLog = Logger.getLogger("dev.atomkv.server.lmdb");
  private final List<String> logged = new CopyOnWriteArrayList<>();
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord r) {
      logged.add(r.getMessage());
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @AfterEach
  void disarm() {
    FailurePoints.disarmAll();
    engineLog.removeHandler(capture);
  }

  @Test
  void aFailedMetaPageWriteIsRecoveredByReopeningTheEnvironment() throws Exception {
    engineLog.addHandler(capture);
    Path data = dir.resolve("data");
    try (RunningServer server = RunningServer.start(data)) {
      ByteString before = ByteString.EMPTY;
      for (int i = 0; i < 20; i++) {
        before = commitOk(server.stub(), atomic(set(key("kept", i), stringValue("v" + i))));
      }
      List<Entry> stored = everything(server.stub());

      AtomicInteger redirected = new AtomicInteger(-1);
      FailurePoints.arm(FailurePoints.Point.BEFORE_COMMIT, () -> {
        FailurePoints.disarm(FailurePoints.Point.BEFORE_COMMIT); // one fault, this batch only
        redirected.set(StorageFaults.failMetaPageWrites(data));
      });
      assertStatus(Status.Code.RESOURCE_EXHAUSTED,
          "storage failed while committing: the write was not applied",
          () -> server.stub().atomic(atomic(set(key("lost"), stringValue("never")))));
      assertEquals(1, redirected.get(), "descriptors of the meta page redirected");

      // Serving again, from the same store, with nothing of the failed batch in it.
      assertEquals(stored, everything(server.stub()));
      assertFalse(Wire.get(server.stub(), key("lost")).hasValue());
      ByteString after = commitOk(server.stub(), atomic(set(key("after"), stringValue("ok"))));
      assertTrue(compareUnsigned(after, before) > 0, "versionstamps keep increasing");
      assertTrue(logged.stream().anyMatch(m -> m.contains("is in MDB_PANIC")), () -> "log: "
          + logged);
      assertTrue(logged.stream().anyMatch(m -> m.contains("reopened after MDB_PANIC")),
          () -> "log: " + logged);

      // And the store opens cleanly afterwards.
      server.restart();
      List<Entry> reopened = everything(server.stub());
      assertEquals(stored.size() + 1, reopened.size());
      assertEquals(stringValue("ok"), Wire.get(server.stub(), key("after")).getValue());
    }
  }

  private static int compareUnsigned(ByteString a, ByteString b) {
    return Arrays.compareUnsigned(a.toByteArray(), b.toByteArray());
  }
}
