package dev.atomkv.server.engine;

/** How far a commit is pushed to disk before it is acknowledged. */
public enum SyncMode {
  /** Data pages synced, then the meta page synced: an acknowledged commit survives a power cut. */
  FULL,
  /** Meta page not synced: a power cut may lose the last commits, never corrupt the store. */
  NO_METASYNC,
  /** Nothing synced: a power cut may lose or corrupt data. A process crash loses nothing. */
  NONE
}
