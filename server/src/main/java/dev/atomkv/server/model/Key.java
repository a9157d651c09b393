package dev.atomkv.server.model;

import java.util.List;

/** A tuple key: the model form of what {@link KeyCodec} encodes. */
public record Key(List<KeyPart> parts) {
  public Key {
    parts = List.copyOf(parts);
  }

  public static Key of(KeyPart... parts) {
    return new Key(List.of(parts));
  }
}
