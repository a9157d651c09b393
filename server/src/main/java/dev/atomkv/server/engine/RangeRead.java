package dev.atomkv.server.engine;

/**
 * One range of a multi-range snapshot read: live entries with start &lt;= key &lt; end (encoded
 * keys), ascending or (reverse) descending, at most {@code limit} of them.
 */
public record RangeRead(byte[] start, byte[] end, boolean reverse, int limit) {}
