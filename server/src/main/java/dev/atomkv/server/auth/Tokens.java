package dev.atomkv.server.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An immutable set of bearer tokens, each read-write or read-only.
 *
 * <p>Only SHA-256 digests are kept: comparing fixed-length digests with
 * {@link MessageDigest#isEqual} takes the same time whatever the presented token's length or
 * how much of it matches, and every stored token is compared on every lookup, so the time taken
 * tells an attacker nothing about which prefix, or which token, came close.
 *
 * <p>File format: one token per line, optionally followed by {@code readonly}; blank lines and
 * lines starting with {@code #} are ignored.
 */
public final class Tokens {
  /** What a presented token may do. */
  public enum Access { NONE, READ_ONLY, READ_WRITE }

  private record Entry(byte[] digest, boolean readOnly) {}

  private static final Tokens EMPTY = new Tokens(List.of());

  private final List<Entry> entries;

  private Tokens(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /** No tokens: every call is refused. */
  public static Tokens empty() {
    return EMPTY;
  }

  /** One read-write token (from {@code --auth-token} / {@code ATOMKV_AUTH_TOKEN}). */
  public static Tokens single(String token) {
    return new Tokens(List.of(new Entry(digest(requireToken(token, 0)), false)));
  }

  /**
   * Parses a tokens file's lines. Errors name the line number but never echo its content: the
   * message ends up in logs and the line may be a real token with a typo.
   */
  public static Tokens parse(List<String> lines) {
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] fields = line.split("\\s+");
      int lineNo = i + 1;
      if (fields.length > 2) {
        throw new IllegalArgumentException("tokens file line " + lineNo
            + ": expected 'TOKEN' or 'TOKEN readonly'");
      }
      boolean readOnly = false;
      if (fields.length == 2) {
        if (!fields[1].toLowerCase(Locale.ROOT).equals("readonly")) {
          throw new IllegalArgumentException("tokens file line " + lineNo
              + ": the only attribute a token may have is 'readonly'");
        }
        readOnly = true;
      }
      entries.add(new Entry(digest(requireToken(fields[0], lineNo)), readOnly));
    }
    return new Tokens(entries);
  }

  /**
   * The tokens of {@code file} (if not null) plus {@code token} (if not null) as a read-write
   * token.
   */
  public static Tokens load(Path file, String token) throws IOException {
    List<Entry> entries = new ArrayList<>();
    if (file != null) {
      entries.addAll(parse(Files.readAllLines(file, StandardCharsets.UTF_8)).entries);
    }
    if (token != null) {
      entries.addAll(single(token).entries);
    }
    return new Tokens(entries);
  }

  public int size() {
    return entries.size();
  }

  /** What {@code presented} may do; {@code null} (no token) is {@link Access#NONE}. */
  public Access access(String presented) {
    if (presented == null) {
      return Access.NONE;
    }
    byte[] digest = digest(presented);
    Access found = Access.NONE;
    // No early exit: the loop's time must not depend on which entry matched.
    for (Entry e : entries) {
      if (MessageDigest.isEqual(digest, e.digest)) {
        // A token listed both ways gets the weaker right, whatever the order.
        found = e.readOnly || found == Access.READ_ONLY ? Access.READ_ONLY : Access.READ_WRITE;
      }
    }
    return found;
  }

  private static String requireToken(String token, int lineNo) {
    if (token.isEmpty() || token.chars().anyMatch(c -> Character.isWhitespace(c) || c < 0x21
        || c > 0x7e)) {
      // HTTP/2 header values carry visible ASCII; a token outside it could never be presented.
      throw new IllegalArgumentException((lineNo > 0 ? "tokens file line " + lineNo : "auth token")
          + ": a token must be non-empty visible ASCII without spaces");
    }
    return token;
  }

  /** The SHA-256 digest under which a token is kept, wherever it is kept. */
  public static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JVM has SHA-256", e);
    }
  }
}
