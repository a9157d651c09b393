package dev.atomkv.server.model.tenant;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * What a token issued through the registry grants, stored under the token's SHA-256 digest.
 *
 * @param id a short public name for the token (the first bytes of its digest, in hex), shown by
 *     listings and used to revoke it; the token itself is shown once, when issued, and never stored
 */
public record TokenGrant(String tenant, Role role, String id, long createdAtMs) {
  /** What a token may do within its tenant. */
  public enum Role {
    READ_ONLY, READ_WRITE,
    /** read-write, and may manage its own tenant's tokens and see its usage */
    ADMIN;

    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  private static final byte FORMAT = 1;

  public byte[] encode() {
    byte[] t = tenant.getBytes(StandardCharsets.US_ASCII);
    byte[] i = id.getBytes(StandardCharsets.US_ASCII);
    return ByteBuffer.allocate(4 + t.length + i.length + Long.BYTES)
        .put(FORMAT).put((byte) role.ordinal())
        .put((byte) t.length).put(t).put((byte) i.length).put(i).putLong(createdAtMs)
        .array();
  }

  public static TokenGrant decode(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    if (b.get() != FORMAT) {
      throw new IllegalStateException("unknown token record format");
    }
    Role role = Role.values()[b.get()];
    byte[] t = new byte[b.get()];
    b.get(t);
    byte[] i = new byte[b.get()];
    b.get(i);
    return new TokenGrant(new String(t, StandardCharsets.US_ASCII), role,
        new String(i, StandardCharsets.US_ASCII), b.getLong());
  }
}
