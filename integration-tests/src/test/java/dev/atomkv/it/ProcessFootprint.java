package dev.atomkv.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * What this JVM holds, from {@code /proc/self} and the runtime: heap in use after a full GC,
 * anonymous resident memory (heap, native buffers, thread stacks; not the mapped LMDB file) and
 * open file descriptors. Not a test class.
 */
record ProcessFootprint(long heapUsedBytes, long heapCommittedBytes, long anonRssBytes,
    long openFds) {

  static ProcessFootprint measure() {
    Runtime rt = Runtime.getRuntime();
    // Twice: the first collection may only queue finalizable and reference-cleaned objects.
    System.gc();
    System.gc();
    long heap = rt.totalMemory() - rt.freeMemory();
    // G1 gives the memory of a shrunk heap back to the OS in the background: wait for the resident
    // size to settle before reading it.
    long rss = readAnonRss();
    for (int stable = 0, tries = 0; stable < 3 && tries < 50; tries++) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      long now = readAnonRss();
      stable = now >= rss ? stable + 1 : 0;
      rss = Math.min(rss, now);
    }
    return new ProcessFootprint(heap, rt.totalMemory(), rss, countOpenFds());
  }

  /** Anonymous RSS not explained by the committed heap: native buffers, thread stacks, code. */
  long anonRssOutsideHeapBytes() {
    return anonRssBytes - heapCommittedBytes;
  }

  private static long readAnonRss() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
      return lines.filter(l -> l.startsWith("RssAnon:"))
          .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024)
          .findFirst()
          .orElseThrow(() -> new IllegalStateException("no RssAnon in /proc/self/status"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long countOpenFds() {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return String.format("heap %d MiB used of %d MiB, anonymous RSS %d MiB (%d MiB outside the"
        + " heap), %d open fds", heapUsedBytes >> 20, heapCommittedBytes >> 20, anonRssBytes >> 20,
        anonRssOutsideHeapBytes() >> 20, openFds);
  }
}
