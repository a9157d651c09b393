package dev.atomkv.server.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.Versionstamp;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The dead-letter record is bounded: the newest first, the oldest forgotten, all counted. */
class DeadLetterLogTest {
  @Test
  void keepsTheLastHundredNewestFirstAndCountsEveryOne() {
    DeadLetterLog log = new DeadLetterLog();
    for (int i = 0; i < DeadLetterLog.CAPACITY + 5; i++) {
      log.add(new DeadLetter(Versionstamp.fromBytes(new byte[Versionstamp.LENGTH]), i, 1,
          Value.string("m" + i), 2, List.of(), null));
    }
    List<DeadLetter> recent = log.recent();
    assertEquals(DeadLetterLog.CAPACITY, recent.size());
    assertEquals(DeadLetterLog.CAPACITY + 4, recent.get(0).gaveUpAtMs(), "newest first");
    assertEquals(5, recent.get(recent.size() - 1).gaveUpAtMs(), "the first five forgotten");
    assertEquals(DeadLetterLog.CAPACITY + 5, log.total());
  }
}
