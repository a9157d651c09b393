package dev.atomkv.server.model.tenant;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * Where tenants live in the key space. Like the entity keys, every key here starts with 0xFF, a
 * byte no tuple encoding starts with: no user key can name one, and the default tenant's widest
 * List, [0x00, 0xFF), never reaches another tenant's data. They are ordinary keys of the store,
 * written by ordinary commits, so tenants, their tokens and their data replicate and back up like
 * anything else.
 *
 * <ul>
 *   <li>a tenant's data: {@code FF 10 ‖ name ‖ 00 ‖ key}, where {@code key} is the key as the
 *       default tenant would store it (a user key, or an entity's internal key). The default
 *       tenant's keys carry no prefix, so a store written before tenants existed is already the
 *       default tenant's.
 *   <li>a tenant's settings: {@code FF 20 ‖ name}
 *   <li>a token: {@code FF 21 ‖ SHA-256(token)}, holding its tenant and role (never the token)
 *   <li>the registry version: {@code FF 22}, a counter every registry change adds one to, so that
 *       every member learns of a change by watching one key
 * </ul>
 */
public final class TenantKeys {
  public static final String DEFAULT = "default";
  /** Forge's rule for names an app chooses, kept short because it prefixes every key. */
  private static final Pattern NAME = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?");

  private static final byte INTERNAL = (byte) 0xFF;
  private static final byte DATA = 0x10;
  private static final byte SETTINGS = 0x20;
  private static final byte TOKEN = 0x21;
  private static final byte VERSION = 0x22;

  private TenantKeys() {}

  /** Null when {@code name} may name a tenant, else why not. */
  public static String nameProblem(String name) {
    if (name == null || name.isEmpty()) {
      return "tenant name must not be empty";
    }
    if (!NAME.matcher(name).matches()) {
      return "tenant name '" + name + "' must be 1 to 32 characters of a-z, 0-9 and '-',"
          + " starting and ending with a letter or digit";
    }
    return null;
  }

  /** The bytes in front of every key of {@code tenant}; empty for the default tenant. */
  public static byte[] dataPrefix(String tenant) {
    if (DEFAULT.equals(tenant)) {
      return new byte[0];
    }
    byte[] name = tenant.getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[name.length + 3];
    out[0] = INTERNAL;
    out[1] = DATA;
    System.arraycopy(name, 0, out, 2, name.length);
    return out;
  }

  /** The first key after every key of a (non-default) tenant's data. */
  public static byte[] dataEnd(String tenant) {
    byte[] end = dataPrefix(tenant);
    end[end.length - 1] = 0x01;
    return end;
  }

  /**
   * The tenant a stored key belongs to for accounting: its name, {@link #DEFAULT} for keys with
   * no tenant prefix, or null for the registry's own keys (which no tenant pays for).
   */
  public static String tenantOf(byte[] key) {
    if (key.length < 2 || key[0] != INTERNAL) {
      return DEFAULT;
    }
    if (key[1] == DATA) {
      int end = 2;
      while (end < key.length && key[end] != 0) {
        end++;
      }
      return new String(key, 2, end - 2, StandardCharsets.US_ASCII);
    }
    return key[1] >= SETTINGS && key[1] <= VERSION ? null : DEFAULT;
  }

  /** How many leading bytes of {@code key} are its tenant prefix (0 for the default tenant). */
  public static int prefixLength(byte[] key) {
    if (key.length < 2 || key[0] != INTERNAL || key[1] != DATA) {
      return 0;
    }
    int end = 2;
    while (end < key.length && key[end] != 0) {
      end++;
    }
    return Math.min(end + 1, key.length);
  }

  public static byte[] settings(String tenant) {
    byte[] name = tenant.getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[name.length + 2];
    out[0] = INTERNAL;
    out[1] = SETTINGS;
    System.arraycopy(name, 0, out, 2, name.length);
    return out;
  }

  public static byte[] settingsStart() {
    return new byte[] {INTERNAL, SETTINGS};
  }

  public static byte[] settingsEnd() {
    return new byte[] {INTERNAL, TOKEN};
  }

  public static String settingsTenant(byte[] key) {
    return new String(key, 2, key.length - 2, StandardCharsets.US_ASCII);
  }

  public static byte[] token(byte[] digest) {
    byte[] out = Arrays.copyOf(new byte[] {INTERNAL, TOKEN}, 2 + digest.length);
    System.arraycopy(digest, 0, out, 2, digest.length);
    return out;
  }

  public static byte[] tokensStart() {
    return new byte[] {INTERNAL, TOKEN};
  }

  public static byte[] tokensEnd() {
    return new byte[] {INTERNAL, VERSION};
  }

  public static byte[] tokenDigest(byte[] key) {
    return Arrays.copyOfRange(key, 2, key.length);
  }

  public static byte[] version() {
    return new byte[] {INTERNAL, VERSION};
  }
}
