package dev.atomkv.server.engine;

import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.Versionstamp;

/**
 * A live (unexpired) entry as read from one snapshot; every array is a copy owned by the caller.
 *
 * @param key encoded key
 * @param expiresAtMs Unix milliseconds, 0 for never
 */
public record StoredEntry(byte[] key, Value value, Versionstamp versionstamp, long expiresAtMs) {}
