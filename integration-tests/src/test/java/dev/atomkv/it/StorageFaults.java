package dev.atomkv.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import jnr.ffi.LibraryLoader;

/**
 * Makes LMDB's meta page writes fail in this process, the fault after which LMDB puts an
 * environment in MDB_PANIC. With full sync LMDB writes data pages through one descriptor of
 * {@code data.mdb} and the meta page through a second one opened with O_DSYNC; this points the
 * second at {@code /dev/full} (every write fails with ENOSPC) while the first keeps working. Closing
 * the environment closes the broken descriptor, so reopening the store heals the fault, as after a
 * passing I/O error. Linux only. Not a test class.
 */
final class StorageFaults {
  /** O_DSYNC on Linux, as {@code /proc/self/fdinfo} shows it (octal). */
  private static final int O_DSYNC = 010000;
  private static final int O_WRONLY = 1;

  /** The few libc calls needed; jnr-ffi is what lmdbjava itself reaches LMDB with. */
  public interface LibC {
    int open(String path, int flags);

    int dup2(int oldFd, int newFd);

    int close(int fd);
  }

  private static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");

  private StorageFaults() {}

  /**
   * Points every O_DSYNC descriptor of {@code dataDir/data.mdb} at /dev/full.
   *
   * @return how many descriptors were redirected (one per open environment)
   */
  static int failMetaPageWrites(Path dataDir) {
    Path file;
    try {
      file = dataDir.toRealPath().resolve("data.mdb");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Integer> targets = new ArrayList<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : (Iterable<Path>) fds::iterator) {
        Path target;
        try {
          target = Files.readSymbolicLink(fd);
        } catch (IOException e) {
          continue; // closed meanwhile (the listing's own descriptor, for one)
        }
        int n = Integer.parseInt(fd.getFileName().toString());
        if (target.equals(file) && (flags(n) & O_DSYNC) != 0) {
          targets.add(n);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int full = LIBC.open("/dev/full", O_WRONLY);
    if (full < 0) {
      throw new IllegalStateException("cannot open /dev/full");
    }
    try {
      for (int fd : targets) {
        if (LIBC.dup2(full, fd) != fd) {
          throw new IllegalStateException("dup2 onto descriptor " + fd + " failed");
        }
      }
    } finally {
      LIBC.close(full);
    }
    return targets.size();
  }

  private static int flags(int fd) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
      if (line.startsWith("flags:")) {
        return Integer.parseInt(line.substring(6).trim(), 8);
      }
    }
    throw new IllegalStateException("no flags for descriptor " + fd);
  }
}
