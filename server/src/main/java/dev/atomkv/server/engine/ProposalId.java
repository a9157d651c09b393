package dev.atomkv.server.engine;

/**
 * Which proposal a replicated log entry holds: the proposer (an id it draws once, 128 bits) and
 * the proposer's call number. A proposal sent again after a leader change carries the same id,
 * and may land in the log twice; a replica applies it once (see {@link ReplicaStore#applyAll}).
 *
 * @param proposerHigh the proposer id's first 64 bits
 * @param proposerLow the proposer id's last 64 bits
 * @param call the proposer's number for the call, the same on every retry of it
 */
public record ProposalId(long proposerHigh, long proposerLow, long call) {}
