package dev.atomkv.server.model;

/** What went wrong, in terms an edge can map to its own status codes. */
public enum ErrorKind {
  /** Malformed request or a limit exceeded; nothing was evaluated or written. */
  INVALID_ARGUMENT,
  /** A mutation met a stored value of the wrong kind; the request was rolled back. */
  FAILED_PRECONDITION,
  /** Disk or map full; nothing of the request was written. */
  RESOURCE_EXHAUSTED,
  /** The write would take its tenant past a storage quota; nothing of it was written. */
  QUOTA_EXCEEDED,
  /** The request was refused before it could be applied (queue full, deadline passed): safe to retry. */
  NOT_APPLIED,
  /** The service is stopping or broken; the outcome of a write in flight is unknown. */
  UNAVAILABLE,
  /** A bug or an unexpected storage error. */
  INTERNAL
}
