package dev.atomkv.server.engine;

import java.util.Locale;

/** How far a commit is pushed to disk before it is acknowledged. */
public enum SyncMode {
  /** Data pages synced, then the meta page synced: an acknowledged commit survives a power cut. */
  FULL,
  /** Meta page not synced: a power cut may lose the last commits, never corrupt the store. */
  NO_METASYNC,
  /** Nothing synced: a power cut may lose or corrupt data. A process crash loses nothing. */
  NONE;

  /** The name settings use: {@code full}, {@code no-metasync}, {@code none}. */
  public String settingName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * The mode a setting names, case-insensitively.
   *
   * @throws IllegalArgumentException naming the accepted values, for any other name
   */
  public static SyncMode fromName(String name) {
    String wanted = name.trim();
    for (SyncMode mode : values()) {
      if (mode.settingName().equalsIgnoreCase(wanted) || mode.name().equalsIgnoreCase(wanted)) {
        return mode;
      }
    }
    throw new IllegalArgumentException("unknown sync mode '" + name
        + "': expected full, no-metasync or none");
  }
}
