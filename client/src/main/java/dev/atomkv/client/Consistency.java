package dev.atomkv.client;

/** How fresh a read must be. */
public enum Consistency {
  /** Reads the latest acknowledged commit (linearizable on one node). The default. */
  STRONG,
  /**
   * May read a slightly stale state (a follower, once replication exists); on a single node it
   * reads the latest commit too.
   */
  EVENTUAL;

  dev.atomkv.proto.v1.Consistency toProto() {
    return this == EVENTUAL
        ? dev.atomkv.proto.v1.Consistency.CONSISTENCY_EVENTUAL
        : dev.atomkv.proto.v1.Consistency.CONSISTENCY_STRONG;
  }
}
