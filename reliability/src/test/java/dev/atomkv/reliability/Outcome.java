package dev.atomkv.reliability;

/** How an Atomic call ended, as the client could tell. */
enum Outcome {
  /** ok=true with a versionstamp: acknowledged, must be durable. */
  OK,
  /** ok=false, or an error that says nothing was written: must not be in the database. */
  REFUSED,
  /** The connection ended without an answer: allowed either way, never partly. */
  UNKNOWN
}
