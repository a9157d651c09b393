package dev.atomkv.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on a loopback port in front of a server, which can be cut at once: its sockets are
 * reset (no GOAWAY, no health status) and its port refuses connections, as when a machine dies or
 * the network to it goes.
 */
final class CuttableProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int targetPort;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean cut;

  CuttableProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.listener = new ServerSocket();
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread acceptor = new Thread(this::accept, "proxy-accept-" + listener.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return listener.getLocalPort();
  }

  private void accept() {
    while (!cut) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        for (Socket s : List.of(client, server)) {
          s.setTcpNoDelay(true);
          sockets.add(s);
        }
        pump(client, server);
        pump(server, client);
        if (cut) {
          close();
        }
      } catch (IOException e) {
        // The listener was closed by cut(), or the server refused: drop this connection.
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[16384];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // One side went away; closing both ends tells the other side.
      } finally {
        reset(from);
        reset(to);
      }
    }, "proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  /** Resets every connection and stops listening. */
  void cut() {
    cut = true;
    close();
  }

  @Override
  public void close() {
    try {
      listener.close();
    } catch (IOException ignored) {
      // Already closed.
    }
    sockets.forEach(CuttableProxy::reset);
  }

  private static void reset(Socket s) {
    try {
      s.setSoLinger(true, 0); // RST instead of an orderly FIN
      s.close();
    } catch (IOException ignored) {
      // Already closed.
    }
  }
}
