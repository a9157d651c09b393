package dev.atomkv.cli;

import dev.atomkv.client.Key;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The command line's text form of a key: {@code users/42n/str:true/bytes:0a0b}. Parts are
 * separated by {@code /}; each part is written as
 *
 * <table>
 *   <caption>key part syntax</caption>
 *   <tr><th>written</th><th>part</th></tr>
 *   <tr><td>{@code users}</td><td>the string "users" (any text not matching a form below)</td></tr>
 *   <tr><td>{@code str:true}</td><td>the string "true" (explicit string; the rest is the text)</td></tr>
 *   <tr><td>{@code 42n}, {@code -7n}, {@code int:42}</td><td>an integer (any size)</td></tr>
 *   <tr><td>{@code num:1.5}, {@code num:-0.0}, {@code num:NaN}, {@code num:-Infinity}</td><td>a number (double)</td></tr>
 *   <tr><td>{@code true}, {@code false}</td><td>a boolean</td></tr>
 *   <tr><td>{@code bytes:0a0b}, {@code bytes:}</td><td>bytes, in hex (even length, either case)</td></tr>
 * </table>
 *
 * <p>In string text, {@code %XX} is a percent-escaped UTF-8 byte: {@code %2F} is a literal
 * {@code /}, {@code %25} a literal {@code %}. An empty part ({@code a//b}, a trailing {@code /})
 * is an error; the empty string is {@code str:}. The empty text is the empty key (a list prefix
 * meaning the whole keyspace).
 *
 * <p>{@link #format} writes every key in the canonical form ({@code 42n}, {@code num:},
 * {@code str:} only where needed, {@code %} escapes for {@code /}, {@code %} and control
 * characters) and {@code parse(format(k))} equals {@code k} for every key.
 */
public final class KeySyntax {
  private static final HexFormat HEX = HexFormat.of();
  private static final Pattern INT_N = Pattern.compile("-?[0-9]+n");
  private static final Pattern INT = Pattern.compile("-?[0-9]+");
  private static final long NEGATIVE_NAN_BITS = 0xfff8000000000000L;

  private KeySyntax() {}

  /** Syntax errors of a key; the message says what is wrong and where. */
  public static final class KeySyntaxException extends IllegalArgumentException {
    KeySyntaxException(String message) {
      super(message);
    }
  }

  /**
   * Parses a key; the empty text is the empty key.
   *
   * @throws KeySyntaxException if the text is not a key
   */
  public static Key parse(String text) {
    if (text.isEmpty()) {
      return Key.of();
    }
    List<Object> parts = new ArrayList<>();
    String[] segments = text.split("/", -1);
    for (int i = 0; i < segments.length; i++) {
      try {
        parts.add(parsePart(segments[i]));
      } catch (IllegalArgumentException e) {
        throw new KeySyntaxException(
            "bad key \"" + text + "\": part " + (i + 1) + " \"" + segments[i] + "\": " + e.getMessage());
      }
    }
    try {
      return Key.ofParts(parts);
    } catch (IllegalArgumentException e) {
      throw new KeySyntaxException("bad key \"" + text + "\": " + e.getMessage());
    }
  }

  /**
   * Parses a key that must have at least one part (for get, set, delete and sum).
   *
   * @throws KeySyntaxException if the text is not a key or is empty
   */
  public static Key parseNonEmpty(String text) {
    if (text.isEmpty()) {
      throw new KeySyntaxException("bad key \"\": a key needs at least one part");
    }
    return parse(text);
  }

  /** {@link #parseNonEmpty} of each text, in order (for commands that take several keys). */
  public static List<Key> parseAllNonEmpty(List<String> texts) {
    return texts.stream().map(KeySyntax::parseNonEmpty).toList();
  }

  private static Object parsePart(String s) {
    if (s.isEmpty()) {
      throw new IllegalArgumentException("empty part (write the empty string as str:)");
    }
    if (s.equals("true")) {
      return Boolean.TRUE;
    }
    if (s.equals("false")) {
      return Boolean.FALSE;
    }
    if (INT_N.matcher(s).matches()) {
      return new BigInteger(s.substring(0, s.length() - 1));
    }
    if (s.startsWith("str:")) {
      return unescape(s.substring(4));
    }
    if (s.startsWith("int:")) {
      String digits = s.substring(4);
      if (!INT.matcher(digits).matches()) {
        throw new IllegalArgumentException("int: needs decimal digits with an optional '-'");
      }
      return new BigInteger(digits);
    }
    if (s.startsWith("num:")) {
      return parseNumber(s.substring(4));
    }
    if (s.startsWith("bytes:")) {
      String hex = s.substring(6);
      try {
        return HEX.parseHex(hex);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("bytes: needs an even number of hex digits");
      }
    }
    return unescape(s);
  }

  private static double parseNumber(String s) {
    switch (s) {
      case "NaN":
        return Double.NaN;
      case "-NaN":
        return Double.longBitsToDouble(NEGATIVE_NAN_BITS);
      case "Infinity":
        return Double.POSITIVE_INFINITY;
      case "-Infinity":
        return Double.NEGATIVE_INFINITY;
      default:
        break;
    }
    // Only plain decimal notation: Double.parseDouble would also take "0x1p3", "1d", " 1"...
    if (!s.matches("-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?")) {
      throw new IllegalArgumentException("num: needs a decimal number (1.5, -2, 1e-9), NaN, -NaN, Infinity or -Infinity");
    }
    return Double.parseDouble(s);
  }

  private static String unescape(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); ) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 3 > s.length()) {
          throw new IllegalArgumentException("'%' must be followed by two hex digits (a literal % is %25)");
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw new IllegalArgumentException("'%' must be followed by two hex digits (a literal % is %25)");
        }
        bytes.write(hi << 4 | lo);
        i += 3;
      } else {
        int cp = s.codePointAt(i);
        byte[] utf8 = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
        bytes.write(utf8, 0, utf8.length);
        i += Character.charCount(cp);
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("percent escapes do not form valid UTF-8");
    }
  }

  /** The canonical text of a key; {@link #parse} reads it back to an equal key. */
  public static String format(Key key) {
    StringBuilder out = new StringBuilder();
    for (Object part : key.parts()) {
      if (out.length() > 0) {
        out.append('/');
      }
      out.append(formatPart(part));
    }
    return out.toString();
  }

  private static String formatPart(Object part) {
    if (part instanceof String s) {
      return needsStrPrefix(s) ? "str:" + escape(s) : escape(s);
    }
    if (part instanceof Long || part instanceof BigInteger) {
      return part + "n";
    }
    if (part instanceof Double d) {
      if (Double.isNaN(d)) {
        return (Double.doubleToRawLongBits(d) < 0) ? "num:-NaN" : "num:NaN";
      }
      return "num:" + Double.toString(d).replace("E", "e");
    }
    if (part instanceof Boolean b) {
      return b.toString();
    }
    if (part instanceof byte[] b) {
      return "bytes:" + HEX.formatHex(b);
    }
    throw new IllegalStateException("unexpected key part " + part.getClass());
  }

  private static boolean needsStrPrefix(String s) {
    return s.isEmpty()
        || s.equals("true")
        || s.equals("false")
        || INT_N.matcher(s).matches()
        || s.startsWith("str:")
        || s.startsWith("int:")
        || s.startsWith("num:")
        || s.startsWith("bytes:");
  }

  private static String escape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '/' || c == '%' || c < 0x20 || c == 0x7f) {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
