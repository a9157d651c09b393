package dev.atomkv.server.lmdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.atomkv.server.engine.EngineOptions;
import dev.atomkv.server.engine.SyncMode;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.Key;
import dev.atomkv.server.model.KeyCodec;
import dev.atomkv.server.model.KeyPart;
import dev.atomkv.server.model.KvException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** More concurrent reads than LMDB reader slots: a retryable refusal, never an internal error. */
class LmdbReaderTableTest {
  private static final int SLOTS = 2;
  private static final int READERS = 8;

  @TempDir Path dir;

  @Test
  void aFullReaderTableIsUnavailableWithItsSize() throws Exception {
    EngineOptions options = EngineOptions.builder(dir).mapSizeBytes(64L << 20)
        .syncMode(SyncMode.NONE).sweepIntervalMs(3_600_000).maxReaders(SLOTS).build();
    List<byte[]> keys = List.of(KeyCodec.encode(Key.of(new KeyPart.Text("k"))));
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> readers = new ArrayList<>();
    try (LmdbEngine engine = LmdbEngine.open(options)) {
      for (int i = 0; i < READERS; i++) {
        Thread t = new Thread(() -> {
          while (!stop.get() && failure.get() == null) {
            try {
              engine.get(keys);
            } catch (Throwable e) {
              failure.compareAndSet(null, e);
            }
          }
        }, "reader-" + i);
        readers.add(t);
        t.start();
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (failure.get() == null && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      stop.set(true);
      for (Thread t : readers) {
        t.join();
      }
    }
    Throwable e = failure.get();
    assertNotNull(e, READERS + " readers never overflowed " + SLOTS + " reader slots");
    KvException kv = assertInstanceOf(KvException.class, e);
    assertEquals(ErrorKind.UNAVAILABLE, kv.kind());
    assertEquals("too many concurrent reads: LMDB reader table full (max " + SLOTS + ")",
        kv.getMessage());
  }
}
