package dev.atomkv.server.lmdb;

import dev.atomkv.server.engine.BackupResult;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.lmdbjava.LmdbException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link LmdbEngine#backup}: a compacted copy of the store into an empty directory. */
final class StoreBackup {
  private static final Logger LOG = LoggerFactory.getLogger(StoreBackup.class);

  private StoreBackup() {}

  /**
   * LMDB's compacting copy: it runs in a read transaction of its own, so it is one consistent
   * snapshot and the writer never waits for it. Which commit that snapshot ends at is read from the
   * copy itself afterwards, since the copy's transaction is not ours to inspect.
   */
  static BackupResult write(LmdbEnvironment environment, Path directory) {
    Path target = directory.toAbsolutePath().normalize();
    prepareBackupDirectory(target);
    try {
      environment.copyCompact(target.toFile());
    } catch (LmdbException e) {
      // A half-written copy would make the retry into the same directory refuse it as not empty.
      deleteContents(target);
      throw new KvException(ErrorKind.INTERNAL, "backup failed: " + target, e);
    }
    try {
      long lastCommitVersion = Store.lastCommitVersionIn(target.toFile());
      long size;
      try (Stream<Path> files = Files.list(target)) {
        size = files.mapToLong(StoreBackup::sizeOf).sum();
      }
      BackupResult result = new BackupResult(target, lastCommitVersion, size);
      LOG.info("backup written: dir={} bytes={} upTo={}", target, size, result.versionstamp());
      return result;
    } catch (IOException | UncheckedIOException | LmdbException e) {
      throw new KvException(ErrorKind.INTERNAL, "backup could not be read back: " + target, e);
    }
  }

  private static void deleteContents(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      LOG.warn("could not remove the partial backup: dir={}", dir, e);
    }
  }

  /** Creates the directory if missing; refuses one whose files the copy would mix with. */
  private static void prepareBackupDirectory(Path target) {
    if (Files.exists(target) && !Files.isDirectory(target)) {
      throw KvException.invalid("backup directory is not a directory: " + target);
    }
    try {
      Files.createDirectories(target);
      try (Stream<Path> files = Files.list(target)) {
        if (files.findAny().isPresent()) {
          throw KvException.invalid("backup directory must be empty: " + target);
        }
      }
    } catch (IOException e) {
      throw KvException.invalid("cannot create backup directory " + target + ": " + e);
    }
  }

  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
