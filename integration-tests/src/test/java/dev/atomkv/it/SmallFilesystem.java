package dev.atomkv.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A tmpfs of a few MiB for tests that fill the disk. As root (CI) it is mounted on a temp dir with
 * {@code mount -t tmpfs}; otherwise inside a new user and mount namespace ({@code unshare -Urm})
 * held open by a helper process, and reached through that process's {@code /proc/PID/root}. If
 * neither works the test fails: a disk-full test must not quietly skip. Not a test class.
 */
final class SmallFilesystem implements AutoCloseable {
  private final Path root;
  private final Path mountPoint;
  private final Process holder;

  private SmallFilesystem(Path root, Path mountPoint, Process holder) {
    this.root = root;
    this.mountPoint = mountPoint;
    this.holder = holder;
  }

  /** Mounts a tmpfs of {@code bytes} on a fresh directory under {@code parent}. */
  static SmallFilesystem mount(Path parent, long bytes) throws IOException, InterruptedException {
    Path mountPoint = Files.createTempDirectory(parent, "tmpfs");
    String options = "size=" + Math.max(4096, bytes / 1024) + "k,mode=0700";
    String rootFailure = null;
    if ("root".equals(System.getProperty("user.name"))) {
      Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", options, "atomkv-test",
          mountPoint.toString()).redirectErrorStream(true).start();
      String out = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (mount.waitFor() == 0) {
        return new SmallFilesystem(mountPoint, mountPoint, null);
      }
      rootFailure = "mount -t tmpfs: " + out.trim();
    }
    // The holder mounts the tmpfs in its own namespace, says so, and lives until its stdin closes.
    Process holder = new ProcessBuilder("unshare", "-Urm", "sh", "-c",
        "mount -t tmpfs -o \"$1\" atomkv-test \"$2\" && echo mounted && exec cat", "sh", options,
        mountPoint.toString()).redirectErrorStream(true).start();
    byte[] line = new byte[8];
    int n = holder.getInputStream().readNBytes(line, 0, line.length);
    if (n < 7 || !new String(line, 0, 7, StandardCharsets.UTF_8).equals("mounted")) {
      String rest = new String(holder.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      holder.destroy();
      throw new IllegalStateException("cannot make a small filesystem for the disk-full test: "
          + (rootFailure == null ? "" : rootFailure + "; ") + "unshare -Urm: "
          + new String(line, 0, Math.max(0, n), StandardCharsets.UTF_8) + rest.trim());
    }
    return new SmallFilesystem(Path.of("/proc", Long.toString(holder.pid()), "root")
        .resolve(mountPoint.toString().substring(1)), mountPoint, holder);
  }

  /** Where the filesystem can be used from this process. */
  Path root() {
    return root;
  }

  /** Bytes still free, as {@code df} would say. */
  long freeBytes() {
    return root.toFile().getUsableSpace();
  }

  @Override
  public void close() throws IOException, InterruptedException {
    if (holder != null) {
      holder.getOutputStream().close();
      if (!holder.waitFor(10, TimeUnit.SECONDS)) {
        holder.destroyForcibly();
      }
    } else {
      Process umount = new ProcessBuilder(List.of("umount", "-l", mountPoint.toString()))
          .redirectErrorStream(true).start();
      umount.getInputStream().readAllBytes();
      umount.waitFor();
    }
    Files.deleteIfExists(mountPoint);
  }
}
