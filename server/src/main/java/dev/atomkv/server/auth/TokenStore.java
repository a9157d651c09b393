package dev.atomkv.server.auth;

import java.io.IOException;

/**
 * The tokens in force, shared by every edge so that a reload (SIGHUP) takes effect on all of them
 * at once. Each lookup reads the current set; a call already admitted keeps running after a
 * reload revokes its token.
 */
public final class TokenStore {
  /** Reads the current token set; called at start and on every reload. */
  @FunctionalInterface
  public interface Loader {
    Tokens load() throws IOException;
  }

  private final Loader loader;
  private volatile Tokens tokens;

  private TokenStore(Loader loader, Tokens tokens) {
    this.loader = loader;
    this.tokens = tokens;
  }

  /** Loads the tokens once; a bad file fails start-up rather than serving with no tokens. */
  public static TokenStore load(Loader loader) throws IOException {
    return new TokenStore(loader, loader.load());
  }

  /**
   * Re-reads the tokens. If loading fails the old set stays in force and the error is thrown to
   * the caller.
   */
  public void reload() throws IOException {
    tokens = loader.load();
  }

  /** What {@code presented} may do under the tokens in force now. */
  public Tokens.Access access(String presented) {
    return tokens.access(presented);
  }

  /** How many tokens are in force (for the log; never the tokens themselves). */
  public int size() {
    return tokens.size();
  }
}
