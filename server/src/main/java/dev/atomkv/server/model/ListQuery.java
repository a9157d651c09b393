package dev.atomkv.server.model;

import java.util.Arrays;
import java.util.Base64;

/**
 * A List selector resolved to a byte range [start, end) over encoded keys, with Deno KV's cursor
 * rules, so that a cursor means the same thing to every client: it is the last returned key minus
 * the selector's common prefix, in base64url with padding.
 *
 * @param start inclusive lower bound of this page's range (cursor applied)
 * @param end exclusive upper bound of this page's range (cursor applied)
 * @param commonPrefix the selector's common prefix, which cursors are relative to
 */
public record ListQuery(byte[] start, byte[] end, byte[] commonPrefix) {

  private static final Base64.Encoder CURSOR_ENCODER = Base64.getUrlEncoder();

  /**
   * Resolves a selector. Each of {@code prefix}, {@code start}, {@code end} is an encoded key, or
   * null when the selector does not name it; every derived bound must pass {@code validator}.
   */
  public static ListQuery resolve(byte[] prefix, byte[] start, byte[] end, String cursor,
      boolean reverse, RequestValidator validator) {
    byte[] from;
    byte[] to;
    byte[] common;
    if (prefix != null) {
      if (start != null && end != null) {
        throw KvException.invalid(
            "Selector can not specify both 'start' and 'end' key when specifying 'prefix'");
      }
      common = prefix;
      from = start != null ? start : append(prefix, 0x00);
      to = end != null ? end : append(prefix, 0xff);
      if (start != null && !strictlyExtends(start, prefix)) {
        throw KvException.invalid("Start key is not in the keyspace defined by prefix");
      }
      if (end != null && !strictlyExtends(end, prefix)) {
        throw KvException.invalid("End key is not in the keyspace defined by prefix");
      }
    } else {
      if (start == null || end == null) {
        throw KvException.invalid(
            "Selector must specify either 'prefix' or both 'start' and 'end' key");
      }
      if (Arrays.compareUnsigned(start, end) > 0) {
        throw KvException.invalid("Start key is greater than end key");
      }
      from = start;
      to = end;
      int mismatch = Arrays.mismatch(start, end);
      int commonLength = mismatch < 0 ? start.length : mismatch;
      if (commonLength == start.length && start.length > 0) {
        // start is a prefix of end, so the first key may equal the common prefix and its cursor
        // would be empty, which on the wire means "nothing remains". One byte shorter keeps every
        // cursor of this selector non-empty.
        commonLength--;
      }
      common = Arrays.copyOf(start, commonLength);
    }
    validator.readBound(from);
    validator.readBound(to);
    if (cursor == null || cursor.isEmpty()) {
      return new ListQuery(from, to, common);
    }
    byte[] after = append(common, decodeCursor(cursor));
    byte[] pageFrom = from;
    byte[] pageTo = to;
    if (reverse) {
      pageTo = after;
    } else {
      pageFrom = append(after, 0x00);
    }
    if (Arrays.compareUnsigned(pageFrom, from) < 0 || Arrays.compareUnsigned(pageTo, to) > 0
        || Arrays.compareUnsigned(pageFrom, pageTo) > 0) {
      throw KvException.invalid("cursor out of bounds");
    }
    validator.readBound(pageFrom);
    validator.readBound(pageTo);
    return new ListQuery(pageFrom, pageTo, common);
  }

  /** The cursor that resumes after {@code lastKey}. */
  public String cursorAfter(byte[] lastKey) {
    return CURSOR_ENCODER.encodeToString(
        Arrays.copyOfRange(lastKey, commonPrefix.length, lastKey.length));
  }

  private static byte[] decodeCursor(String cursor) {
    try {
      return Base64.getUrlDecoder().decode(cursor);
    } catch (IllegalArgumentException e) {
      throw KvException.invalid("invalid cursor");
    }
  }

  /**
   * Whether the key lies in the prefix's keyspace (P+00, P+FF). Sharing P's bytes is not enough:
   * ["a\0"] encodes as P=["a"] followed by 0xFF (an escaped NUL), which sorts after P+FF.
   */
  private static boolean strictlyExtends(byte[] key, byte[] prefix) {
    return key.length > prefix.length
        && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length)
        && key[prefix.length] != (byte) 0xff;
  }

  private static byte[] append(byte[] a, int b) {
    byte[] out = Arrays.copyOf(a, a.length + 1);
    out[a.length] = (byte) b;
    return out;
  }

  private static byte[] append(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
