package dev.atomkv.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.Status;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class FailureLogTest {
  private static final String NAME = FailureLogTest.class.getName() + ".log";
  private static final long INTERVAL = 1_000;
  private static final String GET = "atomkv.v1.KvService/Get";
  private static final String ATOMIC = "atomkv.v1.KvService/Atomic";

  private final AtomicLong now = new AtomicLong(5);
  private final List<LogRecord> lines = new CopyOnWriteArrayList<>();
  private final Logger jul = Logger.getLogger(NAME);
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord record) {
      lines.add(record);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private final FailureLog log = new FailureLog(LoggerFactory.getLogger(NAME), INTERVAL, now::get);

  @BeforeEach
  void capture() {
    jul.addHandler(capture);
  }

  @AfterEach
  void release() {
    jul.removeHandler(capture);
  }

  private List<String> messages() {
    return lines.stream().map(LogRecord::getMessage).toList();
  }

  @Test
  void manyFailuresWithinAnIntervalLogOneLinePerStatus() {
    for (int i = 0; i < 1000; i++) {
      log.failed(GET, Status.Code.INVALID_ARGUMENT);
      log.failed(ATOMIC, Status.Code.FAILED_PRECONDITION);
      now.addAndGet(INTERVAL / 2000);
    }
    assertEquals(List.of("rpc=" + GET + " status=INVALID_ARGUMENT",
        "rpc=" + ATOMIC + " status=FAILED_PRECONDITION"), messages());
  }

  @Test
  void theNextLineCountsWhatWasSuppressed() {
    for (int i = 0; i < 1000; i++) {
      log.failed(i % 2 == 0 ? GET : ATOMIC, Status.Code.INVALID_ARGUMENT);
    }
    now.addAndGet(INTERVAL - 1);
    log.failed(GET, Status.Code.INVALID_ARGUMENT);
    assertEquals(1, lines.size(), "one nanosecond short of the interval");

    now.addAndGet(1);
    log.failed(ATOMIC, Status.Code.INVALID_ARGUMENT);
    assertEquals(List.of("rpc=" + GET + " status=INVALID_ARGUMENT",
        "rpc=" + ATOMIC + " status=INVALID_ARGUMENT suppressed=1000"), messages());

    now.addAndGet(INTERVAL);
    log.failed(GET, Status.Code.INVALID_ARGUMENT);
    assertEquals("rpc=" + GET + " status=INVALID_ARGUMENT", messages().get(2),
        "nothing suppressed since the previous line");
  }

  @Test
  void serverSideCodesAreWarningsAndTheRestInfo() {
    log.failed(ATOMIC, Status.Code.RESOURCE_EXHAUSTED);
    log.failed(ATOMIC, Status.Code.NOT_FOUND);
    assertEquals(List.of(Level.WARNING, Level.INFO), lines.stream().map(LogRecord::getLevel)
        .toList());
  }
}
