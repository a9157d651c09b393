package dev.atomkv.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The shared half of the HTTP edges' failure answers; the statuses stay each edge's. */
class FailuresTest {
  private static final Logger LOG = LoggerFactory.getLogger(FailuresTest.class);

  /** An edge's answer, as an edge defines one: a status and a message. */
  static final class Answer extends RuntimeException {
    final int status;

    Answer(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  private static Answer classify(Throwable t) {
    return Failures.classify(t, Answer.class, LOG, "test",
        e -> e.kind() == ErrorKind.INVALID_ARGUMENT ? new Answer(400, e.getMessage()) : null,
        () -> new Answer(500, "internal error"));
  }

  @Test
  void anAnswerOfTheEdgesOwnIsKept() {
    Answer own = new Answer(404, "not here");
    assertSame(own, classify(own));
    assertSame(own, classify(new CompletionException(own)));
  }

  @Test
  void aRefusalTheEdgeMapsGetsItsAnswerEvenFromACommit() {
    Answer a = classify(new CompletionException(KvException.invalid("bad key")));
    assertEquals(400, a.status);
    assertEquals("bad key", a.getMessage());
  }

  @Test
  void aKindTheEdgeLeavesAndAnyOtherExceptionAreInternal() {
    Answer kind = classify(new KvException(ErrorKind.INTERNAL, "disk on fire"));
    assertEquals(500, kind.status);
    assertEquals("internal error", kind.getMessage());
    Answer other = classify(new IllegalStateException("bug"));
    assertEquals(500, other.status);
    assertEquals("internal error", other.getMessage());
  }
}
