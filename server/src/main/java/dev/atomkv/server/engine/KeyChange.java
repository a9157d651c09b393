package dev.atomkv.server.engine;

import dev.atomkv.server.model.Versionstamp;

/**
 * One key written by a durable commit, as the change feed publishes it.
 *
 * @param key encoded key (with the versionstamp suffix, when the set had one)
 * @param versionstamp the commit's versionstamp (a client request's, or an expiry sweep's)
 * @param deleted whether the commit removed the key (a delete, or expiry) rather than wrote it
 */
public record KeyChange(byte[] key, Versionstamp versionstamp, boolean deleted) {}
