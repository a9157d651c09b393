package dev.atomkv.server.raft;

/**
 * A {@code host:port} pair as the cluster settings write Raft addresses.
 *
 * @param port 1..65535
 */
public record HostPort(String host, int port) {
  /**
   * @param setting the flag the text came from, named in the error
   * @throws IllegalArgumentException naming the setting and the text, when it is no host:port
   */
  public static HostPort parse(String text, String setting) {
    int colon = text.lastIndexOf(':');
    int port;
    try {
      port = colon <= 0 ? -1 : Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(setting + ": expected host:port with a port in 1..65535, "
          + "got '" + text + "'");
    }
    return new HostPort(text.substring(0, colon), port);
  }
}
