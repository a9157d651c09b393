package dev.atomkv.server.model;

/** The kind a stored value remembers. The codes are persisted: never renumber them. */
public enum ValueKind {
  BYTES(1),
  STRING(2),
  U64(3),
  JSON(4),
  V8(5);

  private final int code;

  ValueKind(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  public static ValueKind fromCode(int code) {
    for (ValueKind k : values()) {
      if (k.code == code) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown value kind code " + code);
  }
}
