package dev.atomkv.bench.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Figures about a process from /proc (Linux). */
public final class Proc {
  private static final long CLK_TCK = 100; // USER_HZ on Linux

  private Proc() {}

  /** A field of /proc/PID/status in bytes (RssAnon, VmHWM, VmRSS...), or -1. */
  public static long statusBytes(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith(field + ":")) {
          String[] parts = line.substring(field.length() + 1).trim().split("\\s+");
          long n = Long.parseLong(parts[0]);
          return parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? n * 1024 : n;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** System (kernel) CPU time of the process and all its threads, in milliseconds, or -1. */
  public static long sysCpuMillis(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[12]) * 1000 / CLK_TCK;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** User + system CPU time of the process and all its threads, in milliseconds, or -1. */
  public static long cpuMillis(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // after the command: state(0) ppid(1) ... utime(11) stime(12)
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
      return ticks * 1000 / CLK_TCK;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Per-thread-group scheduler figures of a process, from /proc/PID/task/TID/schedstat: for each
   * group of threads (name without its digits) {nanoseconds on a CPU, nanoseconds runnable but
   * waiting for a CPU}. The rest of a thread's wall time it was blocked (a lock, a queue, I/O).
   */
  public static java.util.Map<String, long[]> threadGroups(long pid) {
    java.util.Map<String, long[]> out = new java.util.TreeMap<>();
    Path tasks = Path.of("/proc", Long.toString(pid), "task");
    try (java.util.stream.Stream<Path> s = Files.list(tasks)) {
      for (Path t : (Iterable<Path>) s::iterator) {
        try {
          String name = Files.readString(t.resolve("comm")).trim()
              .replaceAll("[-#]?\\d+", "-N").replaceAll("(-N)+", "-N");
          String[] f = Files.readString(t.resolve("schedstat")).trim().split("\\s+");
          long[] acc = out.computeIfAbsent(name, k -> new long[2]);
          acc[0] += Long.parseLong(f[0]);
          acc[1] += Long.parseLong(f[1]);
        } catch (IOException | RuntimeException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException e) {
      return out;
    }
    return out;
  }

  /** Machine-wide busy and total CPU time (ms) from /proc/stat's first line: {busy, total}. */
  public static long[] machineCpuMillis() {
    try {
      String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
      String[] f = first.trim().split("\\s+");
      long total = 0;
      long idle = 0;
      for (int i = 1; i < f.length && i <= 8; i++) {
        long v = Long.parseLong(f[i]);
        total += v;
        if (i == 4 || i == 5) {
          idle += v; // idle, iowait
        }
      }
      return new long[] {(total - idle) * 1000 / CLK_TCK, total * 1000 / CLK_TCK};
    } catch (IOException | RuntimeException e) {
      return new long[] {-1, -1};
    }
  }
}
