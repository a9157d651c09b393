package dev.atomkv.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.atomkv.server.auth.Tokens.Access;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class TokenStoreTest {
  @Test
  void aReloadAppliesToTheNextLookup() throws Exception {
    AtomicReference<Tokens> source = new AtomicReference<>(Tokens.parse(List.of("old")));
    TokenStore store = TokenStore.load(source::get);
    assertEquals(Access.READ_WRITE, store.access("old"));
    source.set(Tokens.parse(List.of("new readonly", "other")));
    assertEquals(Access.READ_WRITE, store.access("old"), "nothing changes before the reload");
    store.reload();
    assertEquals(Access.NONE, store.access("old"));
    assertEquals(Access.READ_ONLY, store.access("new"));
    assertEquals(2, store.size());
  }

  @Test
  void aFailedReloadKeepsTheTokensInForce() throws Exception {
    AtomicReference<Tokens> source = new AtomicReference<>(Tokens.single("kept"));
    TokenStore store = TokenStore.load(() -> {
      Tokens t = source.get();
      if (t == null) {
        throw new IOException("unreadable");
      }
      return t;
    });
    source.set(null);
    assertThrows(IOException.class, store::reload);
    assertEquals(Access.READ_WRITE, store.access("kept"));
    assertEquals(1, store.size());
  }

  @Test
  void aBadFileFailsTheFirstLoad() {
    assertThrows(IOException.class, () -> TokenStore.load(() -> {
      throw new IOException("missing");
    }));
  }
}
