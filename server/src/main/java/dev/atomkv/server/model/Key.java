package dev.atomkv.server.model;

import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;

/** A tuple key: the model form of what {@link KeyCodec} encodes. */
public record Key(List<KeyPart> parts) {
  public Key {
    parts = List.copyOf(parts);
  }

  public static Key of(KeyPart... parts) {
    return new Key(List.of(parts));
  }

  /** Deno's notation, for messages: ["users", 42n, 1.5, true, bytes(0a0b)]. */
  @Override
  public String toString() {
    return parts.stream().map(Key::format).collect(Collectors.joining(", ", "[", "]"));
  }

  private static String format(KeyPart p) {
    if (p instanceof KeyPart.Text t) {
      return '"' + t.value().replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    } else if (p instanceof KeyPart.Int i) {
      return i.value() + "n";
    } else if (p instanceof KeyPart.Number n) {
      return Double.toString(n.value());
    } else if (p instanceof KeyPart.Bool b) {
      return Boolean.toString(b.value());
    }
    return "bytes(" + HexFormat.of().formatHex(((KeyPart.Bytes) p).value()) + ")";
  }
}
