package dev.atomkv.server.engine;

import dev.atomkv.server.model.Versionstamp;
import java.nio.file.Path;

/**
 * A finished backup: a complete, consistent data directory.
 *
 * @param directory absolute path of the copy; a server started with it as its data directory
 *     serves exactly the snapshot
 * @param lastCommitVersion the commit version of the last commit the copy contains (0 when the
 *     store had no commit yet)
 * @param sizeBytes bytes written (the compacted data file)
 */
public record BackupResult(Path directory, long lastCommitVersion, long sizeBytes) {

  /**
   * The highest versionstamp the copy can hold: {@code lastCommitVersion ‖ 0xFFFF}. Every entry of
   * the copy has a versionstamp at or below it; every commit acknowledged with a versionstamp at or
   * below it is in the copy.
   */
  public Versionstamp versionstamp() {
    return new Versionstamp(lastCommitVersion, Versionstamp.MAX_POSITIONS - 1);
  }
}
