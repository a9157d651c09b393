package dev.atomkv.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for Raft addresses, which every member must know before any member listens, so the OS
 * cannot pick them at bind time. A port the OS hands out for {@code bind(0)} comes from its
 * ephemeral range, the range every outgoing connection and every other {@code --port=0} server
 * draws from too: between the pick and a member's start (or while a member is stopped for a
 * restart) one of those can take it. A port below that range is never handed out implicitly, so
 * one the OS confirms free stays free.
 */
final class RaftPorts {
  private RaftPorts() {}

  /** A loopback port below the ephemeral range that the OS confirms nobody holds now. */
  static int free() throws IOException {
    int low = ephemeralLow();
    int from = Math.max(1024, low - 12_000);
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = random.nextInt(from, low);
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return s.getLocalPort();
      } catch (IOException taken) {
        // someone holds it: try another
      }
    }
    throw new IOException("no free loopback port in " + from + ".." + low);
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
