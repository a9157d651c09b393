package dev.atomkv.server.model;

/**
 * A read-modify-write that an edge defines and the writer runs, in the request's transaction, on
 * the key's value just before the mutation applies (Deno's sum of JavaScript numbers and bigints,
 * whose payload formats belong to the KV Connect edge). The engine stays format-agnostic, as with
 * {@link DocumentDecoder}.
 */
@FunctionalInterface
public interface ValueMerge {
  /**
   * @param current the key's live value, or null when it is missing or expired
   * @return the value to store (without expiry)
   * @throws KvException FAILED_PRECONDITION when the current value cannot be merged; the whole
   *     request is then rolled back
   */
  Value apply(Value current);
}
