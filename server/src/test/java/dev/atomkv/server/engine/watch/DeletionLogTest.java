package dev.atomkv.server.engine.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.engine.KeyChange;
import dev.atomkv.server.model.Versionstamp;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeletionLogTest {
  private static final long OPENED_AT = 100;

  @Test
  void remembersDeletionsAfterTheResumePoint() {
    DeletionLog log = new DeletionLog(OPENED_AT, 1 << 20);
    log.apply(List.of(deleted("a", 200)));

    assertTrue(log.mayBeDeletedAfter(key("a"), vs(150)));
    assertFalse(log.mayBeDeletedAfter(key("a"), vs(200)), "not after its own versionstamp");
    assertFalse(log.mayBeDeletedAfter(key("b"), vs(150)), "b was never deleted since opening");
  }

  @Test
  void nothingBeforeTheEngineOpenedCanBeRuledOut() {
    DeletionLog log = new DeletionLog(OPENED_AT, 1 << 20);

    assertTrue(log.mayBeDeletedAfter(key("a"), new Versionstamp(OPENED_AT, 0)),
        "a later request of the last commit before opening may have deleted it");
    assertTrue(log.mayBeDeletedAfter(key("a"), vs(OPENED_AT - 1)));
    assertFalse(log.mayBeDeletedAfter(key("a"), vs(OPENED_AT)), "after the whole last commit");
    assertFalse(log.mayBeDeletedAfter(key("a"), vs(OPENED_AT + 1)));
  }

  @Test
  void aLaterWriteSupersedesTheDeletion() {
    DeletionLog log = new DeletionLog(OPENED_AT, 1 << 20);
    log.apply(List.of(deleted("a", 200)));
    log.apply(List.of(new KeyChange(bytes("a"), vs(300), false)));

    assertEquals(0, log.size());
    log.apply(List.of(new KeyChange(bytes("b"), vs(400), false), deleted("b", 400)));
    assertTrue(log.mayBeDeletedAfter(key("b"), vs(350)), "the last change of a commit wins");
  }

  @Test
  void forgettingTheOldestDeletionsRaisesTheLowWaterMark() {
    long oneEntry = 1 + DeletionLog.ENTRY_OVERHEAD;
    DeletionLog log = new DeletionLog(OPENED_AT, 2 * oneEntry);
    log.apply(List.of(deleted("a", 200)));
    log.apply(List.of(deleted("b", 300)));
    log.apply(List.of(deleted("c", 400)));

    assertEquals(2, log.size());
    assertEquals(vs(200), log.lowWater());
    assertTrue(log.mayBeDeletedAfter(key("x"), vs(199)), "below the mark: cannot tell");
    assertFalse(log.mayBeDeletedAfter(key("x"), vs(200)));
    assertTrue(log.mayBeDeletedAfter(key("c"), vs(300)));
  }

  @Test
  void deletingAgainMovesTheKeyToTheNewEnd() {
    long oneEntry = 1 + DeletionLog.ENTRY_OVERHEAD;
    DeletionLog log = new DeletionLog(OPENED_AT, 2 * oneEntry);
    log.apply(List.of(deleted("a", 200)));
    log.apply(List.of(deleted("b", 300)));
    log.apply(List.of(deleted("a", 400)));
    log.apply(List.of(deleted("c", 500)));

    assertEquals(vs(300), log.lowWater(), "b was the oldest");
    assertTrue(log.mayBeDeletedAfter(key("a"), vs(350)));
  }

  private static KeyChange deleted(String k, long version) {
    return new KeyChange(bytes(k), vs(version), true);
  }

  private static Versionstamp vs(long version) {
    return new Versionstamp(version, version == OPENED_AT ? Versionstamp.MAX_POSITIONS - 1 : 0);
  }

  private static byte[] bytes(String k) {
    return k.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static ByteKey key(String k) {
    return new ByteKey(bytes(k));
  }
}
