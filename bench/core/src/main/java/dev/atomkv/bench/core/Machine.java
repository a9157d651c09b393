package dev.atomkv.bench.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the figures were measured on. */
final class Machine {
  private Machine() {}

  static Map<String, Object> describe(Path dataDir) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("nproc", Runtime.getRuntime().availableProcessors());
    m.put("cpu", firstValue("/proc/cpuinfo", "model name"));
    m.put("memory_gib", Math.round(kb("/proc/meminfo", "MemTotal") / 1024.0 / 1024.0 * 10) / 10.0);
    m.put("os", osName());
    m.put("kernel", read("/proc/sys/kernel/osrelease"));
    m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    m.put("disk", disk(dataDir));
    return m;
  }

  private static String disk(Path dir) {
    try {
      Path real = dir.toRealPath();
      String best = null;
      String dev = null;
      String fs = null;
      for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
        String[] f = line.split(" ");
        if (f.length < 3) {
          continue;
        }
        String mount = f[1];
        if (real.startsWith(mount) && (best == null || mount.length() > best.length())) {
          best = mount;
          dev = f[0];
          fs = f[2];
        }
      }
      long total = Files.getFileStore(real).getTotalSpace();
      String name = dev == null ? "?" : Path.of(dev).getFileName().toString();
      String base = name.replaceAll("p?\\d+$", "");
      String rot = read("/sys/block/" + base + "/queue/rotational");
      if (rot.equals("?")) {
        rot = read("/sys/block/" + name + "/queue/rotational");
      }
      String kind = "rotational flag " + rot;
      String model = read("/sys/block/" + base + "/device/model");
      return String.format("%s (%s, %s, %d GiB%s) mounted at %s", dev, fs, kind,
          total >> 30, model.equals("?") ? (base.startsWith("vd") ? ", virtio block device" : "")
              : ", " + model, best);
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }

  private static String osName() {
    try {
      for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
        if (line.startsWith("PRETTY_NAME=")) {
          return line.substring(12).replace("\"", "");
        }
      }
    } catch (IOException e) {
      // fall through
    }
    return System.getProperty("os.name");
  }

  private static String read(String file) {
    try {
      return Files.readString(Path.of(file)).trim();
    } catch (IOException e) {
      return "?";
    }
  }

  private static String firstValue(String file, String key) {
    try {
      List<String> lines = Files.readAllLines(Path.of(file));
      for (String line : lines) {
        if (line.startsWith(key)) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      // fall through
    }
    return "?";
  }

  private static long kb(String file, String key) {
    String v = firstValue(file, key);
    try {
      return Long.parseLong(v.replaceAll("[^0-9]", ""));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
