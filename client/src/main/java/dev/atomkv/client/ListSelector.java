package dev.atomkv.client;

import dev.atomkv.proto.v1.ListRequest;
import java.util.Arrays;
import java.util.Objects;

/**
 * Which keys a List reads, as a range {@code [start, end)} of encoded keys (P+00 and P+FF are the
 * encoded prefix followed by one byte 00 or FF):
 *
 * <table>
 *   <caption>Selectors</caption>
 *   <tr><td>{@link #prefix(Key) prefix(P)}</td><td>[P+00, P+FF): every key extending P, not P itself;
 *       {@code prefix(Key.of())} lists every key</td></tr>
 *   <tr><td>{@link #prefixStart(Key, Key) prefixStart(P, S)}</td><td>[S, P+FF); S must extend P</td></tr>
 *   <tr><td>{@link #prefixEnd(Key, Key) prefixEnd(P, E)}</td><td>[P+00, E); E must extend P</td></tr>
 *   <tr><td>{@link #range(Key, Key) range(S, E)}</td><td>[S, E); S must not be greater than E</td></tr>
 * </table>
 *
 * <p>The server checks these rules and answers INVALID_ARGUMENT when one is broken.
 *
 * <p>Cursors are relative to the selector's common prefix: the encoded prefix for the prefix
 * selectors, the longest common byte prefix of encoded start and end for a range. A cursor
 * resumes only the selector (and direction) it came from.
 */
public final class ListSelector {
  private final Key prefix;
  private final Key start;
  private final Key end;
  private final byte[] commonPrefix;

  private ListSelector(Key prefix, Key start, Key end) {
    this.prefix = prefix;
    this.start = start;
    this.end = end;
    this.commonPrefix = prefix != null ? prefix.encoded() : commonPrefix(start.encoded(), end.encoded());
  }

  /** Every key that extends {@code prefix} (not the prefix itself); an empty prefix selects everything. */
  public static ListSelector prefix(Key prefix) {
    return new ListSelector(Objects.requireNonNull(prefix, "prefix"), null, null);
  }

  /** Keys from {@code start} (inclusive) to {@code end} (exclusive). */
  public static ListSelector range(Key start, Key end) {
    return new ListSelector(null, Objects.requireNonNull(start, "start"), Objects.requireNonNull(end, "end"));
  }

  /** Keys extending {@code prefix}, from {@code start} (inclusive; it must extend the prefix). */
  public static ListSelector prefixStart(Key prefix, Key start) {
    return new ListSelector(Objects.requireNonNull(prefix, "prefix"), Objects.requireNonNull(start, "start"), null);
  }

  /** Keys extending {@code prefix}, up to {@code end} (exclusive; it must extend the prefix). */
  public static ListSelector prefixEnd(Key prefix, Key end) {
    return new ListSelector(Objects.requireNonNull(prefix, "prefix"), null, Objects.requireNonNull(end, "end"));
  }

  /** The bytes every key of the selector starts with and cursors are relative to (not copied). */
  byte[] commonPrefix() {
    return commonPrefix;
  }

  void applyTo(ListRequest.Builder request) {
    if (prefix != null) {
      request.setPrefix(ProtoMapping.toProto(prefix));
    }
    if (start != null) {
      request.setStart(ProtoMapping.toProto(start));
    }
    if (end != null) {
      request.setEnd(ProtoMapping.toProto(end));
    }
  }

  /**
   * The longest common byte prefix of start and end, one byte shorter when start is a prefix of
   * end: otherwise the cursor of the key equal to start would be empty, which on the wire means
   * "nothing remains". The server applies the same rule.
   */
  private static byte[] commonPrefix(byte[] start, byte[] end) {
    int mismatch = Arrays.mismatch(start, end);
    int length = mismatch < 0 ? start.length : mismatch;
    if (length == start.length && length > 0) {
      length--;
    }
    return Arrays.copyOf(start, length);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ListSelector s
        && Objects.equals(prefix, s.prefix)
        && Objects.equals(start, s.start)
        && Objects.equals(end, s.end);
  }

  @Override
  public int hashCode() {
    return Objects.hash(prefix, start, end);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("ListSelector{");
    String sep = "";
    if (prefix != null) {
      sb.append("prefix=").append(prefix);
      sep = ", ";
    }
    if (start != null) {
      sb.append(sep).append("start=").append(start);
      sep = ", ";
    }
    if (end != null) {
      sb.append(sep).append("end=").append(end);
    }
    return sb.append('}').toString();
  }
}
