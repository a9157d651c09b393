package dev.atomkv.server.engine;

import java.util.List;

/**
 * One page of a range read.
 *
 * @param entries in the order read (descending when reversed)
 * @param more whether at least one more live entry lies in the range past the last one returned
 */
public record ListPage(List<StoredEntry> entries, boolean more) {}
