package dev.atomkv.server.model;

/**
 * A filter bound to the decoder of stored json payloads, ready for the engine to evaluate against
 * a stored value without knowing the payload format.
 */
public record Where(Filter filter, DocumentDecoder decoder) {

  /** A check's view: the key must exist and hold json that matches. */
  public boolean matchesStored(Value stored) {
    return stored != null && stored.kind() == ValueKind.JSON
        && filter.matches(decoder.decode(stored.payload()));
  }

  /** A conditional mutation's view: a missing or non-json value is an empty document. */
  public boolean matchesOrEmpty(Value stored) {
    JsonValue doc = stored != null && stored.kind() == ValueKind.JSON
        ? decoder.decode(stored.payload()) : JsonValue.EMPTY_OBJECT;
    return filter.matches(doc);
  }
}
