package dev.atomkv.server;

import dev.atomkv.server.engine.SyncMode;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parsers of the settings' text forms; picocli names the flag in front of their messages. */
final class SettingConverters {
  private SettingConverters() {}

  /** Sizes like 4194304, 512k, 64m, 64g, 1t (KiB-based; a trailing b or ib is allowed). */
  static final class ByteSize implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      return parse(value);
    }

    static long parse(String value) {
      String v = value.trim().toLowerCase(Locale.ROOT).replaceAll("i?b$", "");
      char last = v.isEmpty() ? ' ' : v.charAt(v.length() - 1);
      int shift = switch (last) {
        case 'k' -> 10;
        case 'm' -> 20;
        case 'g' -> 30;
        case 't' -> 40;
        default -> 0;
      };
      String digits = (shift == 0 ? v : v.substring(0, v.length() - 1)).trim();
      if (!digits.matches("-?[0-9]+")) {
        throw new TypeConversionException("'" + value
            + "' is not a size: expected a number of bytes, or one with k, m, g or t");
      }
      long n;
      try {
        n = Long.parseLong(digits);
      } catch (NumberFormatException e) {
        throw new TypeConversionException("'" + value + "' is too large");
      }
      if (n < 0) {
        throw new TypeConversionException("'" + value + "' is negative");
      }
      if (n > (Long.MAX_VALUE >> shift)) {
        throw new TypeConversionException("'" + value + "' is too large");
      }
      return n << shift;
    }
  }

  /** {@code full}, {@code no-metasync} or {@code none}. */
  static final class Sync implements ITypeConverter<SyncMode> {
    @Override
    public SyncMode convert(String value) {
      try {
        return SyncMode.fromName(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
