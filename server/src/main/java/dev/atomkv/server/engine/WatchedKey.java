package dev.atomkv.server.engine;

/**
 * One watched key in a {@link WatchUpdate}.
 *
 * @param key encoded key, as given to {@link KvEngine#watch}
 * @param entry what the key holds now; null when it is missing or expired
 * @param changed whether the key's versionstamp differs from the one the previous update carried
 *     (every key of the first update counts as changed, except for a resumed watch: there a key is
 *     changed when it was written or deleted after the resume versionstamp, or when the engine
 *     cannot tell)
 */
public record WatchedKey(byte[] key, StoredEntry entry, boolean changed) {}
