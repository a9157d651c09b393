package dev.atomkv.client;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One server address as written in a list of addresses: {@code host:port}, {@code 10.0.0.7:50051}
 * or {@code [::1]:50051}. Parsing only checks the syntax; the host is looked up when the channel
 * resolves it.
 */
record HostPort(String host, int port) {
  private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9._-]+");
  // Hex digits, colons and dots (an embedded IPv4), optionally a %zone.
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+(%[A-Za-z0-9._-]+)?");

  /** {@code host:port}, with the host in brackets when it is an IPv6 literal. */
  String authority() {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }

  @Override
  public String toString() {
    return authority();
  }

  /** One address; a bad one gives an IllegalArgumentException naming it. */
  static HostPort parse(String text) {
    String s = text.strip();
    if (s.isEmpty()) {
      throw new IllegalArgumentException("empty address (expected host:port)");
    }
    String host;
    String port;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
        throw bad(text, "an IPv6 address is written [address]:port");
      }
      host = s.substring(1, close);
      port = s.substring(close + 2);
      if (!IPV6.matcher(host).matches() || host.indexOf(':') < 0) {
        throw bad(text, "not an IPv6 address between the brackets");
      }
    } else {
      int colon = s.lastIndexOf(':');
      if (colon < 0) {
        throw bad(text, "no port (expected host:port)");
      }
      host = s.substring(0, colon);
      port = s.substring(colon + 1);
      if (host.indexOf(':') >= 0) {
        throw bad(text, "an IPv6 address is written in brackets, e.g. [::1]:50051");
      }
      if (host.isEmpty()) {
        throw bad(text, "no host (expected host:port)");
      }
      if (!HOST_NAME.matcher(host).matches()) {
        throw bad(text, "the host may hold only letters, digits, '.', '-' and '_'");
      }
    }
    return new HostPort(host, parsePort(text, port));
  }

  /**
   * A comma-separated list, {@code host1:p1,host2:p2}: at least one address, none twice (a node
   * listed twice would get twice the share of calls).
   */
  static List<HostPort> parseList(String commaSeparated) {
    List<String> parts = new ArrayList<>();
    for (String part : commaSeparated.split(",", -1)) {
      if (part.isBlank()) {
        throw new IllegalArgumentException(
            "empty address in the list \"" + commaSeparated + "\" (expected host:port,host:port)");
      }
      parts.add(part);
    }
    return parseAll(parts);
  }

  /** Each entry one address: at least one, none twice. */
  static List<HostPort> parseAll(List<String> addresses) {
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("no server address given (expected host:port)");
    }
    List<HostPort> parsed = new ArrayList<>(addresses.size());
    Set<String> seen = new HashSet<>();
    for (String a : addresses) {
      if (a == null) {
        throw new IllegalArgumentException("null in the list of addresses");
      }
      HostPort hp = parse(a);
      if (!seen.add(hp.authority().toLowerCase(java.util.Locale.ROOT))) {
        throw bad(a, "listed twice");
      }
      parsed.add(hp);
    }
    return List.copyOf(parsed);
  }

  private static int parsePort(String text, String port) {
    if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw bad(text, "the port must be a number from 1 to 65535");
    }
    int p = Integer.parseInt(port);
    if (p < 1 || p > 65535) {
      throw bad(text, "the port must be a number from 1 to 65535");
    }
    return p;
  }

  private static IllegalArgumentException bad(String text, String why) {
    return new IllegalArgumentException("bad server address \"" + text + "\": " + why);
  }
}
