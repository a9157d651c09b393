package dev.atomkv.reliability;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports a member keeps across kills and restarts, and Raft ports every member must know before
 * any listens: the OS cannot pick them at bind time. A port from the OS's ephemeral range (what
 * {@code bind(0)} returns) can be taken by any outgoing connection while its member is down; a
 * port below that range is never handed out implicitly, so one the OS confirms free stays free.
 */
final class StablePorts {
  private StablePorts() {}

  /** {@code count} distinct loopback ports below the ephemeral range, each free right now. */
  static int[] free(int count) throws IOException {
    int low = ephemeralLow();
    int from = Math.max(1024, low - 12_000);
    ThreadLocalRandom random = ThreadLocalRandom.current();
    Set<Integer> picked = new HashSet<>();
    for (int attempt = 0; picked.size() < count; attempt++) {
      if (attempt == 100 * count) {
        throw new IOException("no " + count + " free loopback ports in " + from + ".." + low);
      }
      int port = random.nextInt(from, low);
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        picked.add(s.getLocalPort());
      } catch (IOException taken) {
        // someone holds it: try another
      }
    }
    return picked.stream().mapToInt(Integer::intValue).toArray();
  }

  private static int ephemeralLow() {
    try {
      // Read as lines: a /proc file reports size 0, and a read sized from that comes back short.
      String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0)
          .trim();
      return Integer.parseInt(range.split("\\s+")[0]);
    } catch (IOException | RuntimeException notLinux) {
      return 32768;
    }
  }
}
