package dev.atomkv.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.atomkv.server.auth.Tokens.Access;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokensTest {
  @TempDir Path dir;

  @Test
  void parsesTokensReadOnlyMarksCommentsAndBlankLines() {
    Tokens t = Tokens.parse(List.of(
        "# deploy tokens",
        "",
        "  writer-token  ",
        "reader-token readonly",
        "other-reader\tREADONLY",
        "   # indented comment"));
    assertEquals(3, t.size());
    assertEquals(Access.READ_WRITE, t.access("writer-token"));
    assertEquals(Access.READ_ONLY, t.access("reader-token"));
    assertEquals(Access.READ_ONLY, t.access("other-reader"));
    assertEquals(Access.NONE, t.access("# deploy tokens"));
  }

  @Test
  void onlyTheExactTokenMatches() {
    Tokens t = Tokens.single("s3cret-token");
    assertEquals(Access.READ_WRITE, t.access("s3cret-token"));
    for (String wrong : new String[] {"s3cret-toke", "s3cret-token2", "S3CRET-TOKEN", "", " ",
        "s3cret-token ", "x"}) {
      assertEquals(Access.NONE, t.access(wrong), wrong);
    }
    assertEquals(Access.NONE, t.access(null));
    assertEquals(Access.NONE, Tokens.empty().access("s3cret-token"));
  }

  @Test
  void aTokenListedBothWaysIsReadOnly() {
    assertEquals(Access.READ_ONLY, Tokens.parse(List.of("t", "t readonly")).access("t"));
    assertEquals(Access.READ_ONLY, Tokens.parse(List.of("t readonly", "t")).access("t"));
  }

  @Test
  void malformedLinesNameTheLineButNeverEchoIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Tokens.parse(List.of("# c", "good", "leaky-secret readwrite")));
    assertEquals("tokens file line 3: the only attribute a token may have is 'readonly'",
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Tokens.parse(List.of("leaky-secret readonly extra")));
    assertFalse(e.getMessage().contains("leaky"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Tokens.parse(List.of("leaky-s\u00e9cret")));
    assertFalse(e.getMessage().contains("leaky"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Tokens.single(""));
    assertThrows(IllegalArgumentException.class, () -> Tokens.single("two words"));
  }

  @Test
  void loadsTheFileAndTheSingleTokenTogether() throws Exception {
    Path file = Files.writeString(dir.resolve("tokens"), "from-file readonly\n");
    Tokens t = Tokens.load(file, "from-env");
    assertEquals(Access.READ_ONLY, t.access("from-file"));
    assertEquals(Access.READ_WRITE, t.access("from-env"));
    assertEquals(1, Tokens.load(null, "from-env").size());
    assertEquals(1, Tokens.load(file, null).size());
  }
}
