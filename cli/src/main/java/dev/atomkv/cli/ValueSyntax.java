package dev.atomkv.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import dev.atomkv.client.KvValue;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads values and durations as the command line takes them. */
public final class ValueSyntax {
  private static final Pattern DURATION = Pattern.compile("([0-9]+)(ms|s|m|h|d)");

  private ValueSyntax() {}

  /** The kinds {@code set --type} takes. */
  public enum Type {
    /** The text as is. */
    string,
    /** Standard base64 (as {@code get} and {@code list} print bytes). */
    bytes,
    /** JSON text (any JSON value: object, array, string, number, boolean, null). */
    json,
    /** An unsigned 64-bit decimal, 0..18446744073709551615. */
    u64,
    /** V8-serialised bytes in standard base64, as Deno clients store them. */
    v8
  }

  /**
   * The value of {@code text} read as {@code type}.
   *
   * @throws IllegalArgumentException with a message naming the problem
   */
  public static KvValue parse(Type type, String text) {
    return switch (type) {
      case string -> KvValue.of(text);
      case bytes -> KvValue.of(base64(text, "bytes"));
      case v8 -> KvValue.v8(base64(text, "v8"));
      case u64 -> {
        try {
          yield KvValue.u64(Long.parseUnsignedLong(text));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              "bad u64 value \"" + text + "\": need a decimal in 0..18446744073709551615");
        }
      }
      case json -> {
        Value.Builder doc = Value.newBuilder();
        try {
          JsonFormat.parser().merge(text, doc);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
          throw new IllegalArgumentException("bad json value: " + e.getMessage());
        }
        if (doc.getKindCase() == Value.KindCase.KIND_NOT_SET) {
          throw new IllegalArgumentException("bad json value: empty");
        }
        yield KvValue.json(doc.build());
      }
    };
  }

  /** An unsigned 64-bit decimal operand (sum). */
  public static long u64(String text) {
    try {
      return Long.parseUnsignedLong(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "bad u64 operand \"" + text + "\": need a decimal in 0..18446744073709551615");
    }
  }

  private static byte[] base64(String text, String kind) {
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bad " + kind + " value: need standard base64 (" + e.getMessage() + ")");
    }
  }

  /**
   * A positive duration: a whole number with a unit, {@code 500ms}, {@code 10s}, {@code 5m},
   * {@code 2h}, {@code 1d}, or ISO-8601 ({@code PT1M30S}).
   */
  public static Duration duration(String text) {
    Duration d;
    Matcher m = DURATION.matcher(text);
    try {
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        d = switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        };
      } else {
        d = Duration.parse(text);
      }
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "bad duration \"" + text + "\": write e.g. 500ms, 10s, 5m, 2h, 1d or PT1M30S");
    }
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("bad duration \"" + text + "\": must be positive");
    }
    return d;
  }
}
