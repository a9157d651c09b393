package dev.atomkv.server.model;

/**
 * Reads a stored json payload as a document. The payload's format belongs to the edge that wrote
 * it, so the edge supplies the decoder and the engine stays format-agnostic.
 */
@FunctionalInterface
public interface DocumentDecoder {
  JsonValue decode(byte[] payload);
}
