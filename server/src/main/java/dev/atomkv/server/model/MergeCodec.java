package dev.atomkv.server.model;

/**
 * Turns the {@link ValueMerge}s of one edge into bytes and back, so that a request holding them
 * can travel in a replicated log. The edge that defines a merge defines its encoding; the server
 * registers every edge's codec with the cluster.
 */
public interface MergeCodec {
  /** A stable name written with each encoded merge. */
  String name();

  /** Whether {@code merge} is one of this codec's. */
  boolean handles(ValueMerge merge);

  byte[] encode(ValueMerge merge);

  /**
   * @throws KvException INTERNAL when the bytes are not a merge of this codec's
   */
  ValueMerge decode(byte[] spec);
}
