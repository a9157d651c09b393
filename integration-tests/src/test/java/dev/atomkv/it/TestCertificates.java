package dev.atomkv.it;

import io.grpc.testing.TlsTesting;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * grpc-testing's test certificates (a CA; server1, for *.test.google.fr; a client) as files, since
 * the server takes PEM paths.
 */
final class TestCertificates {
  private TestCertificates() {}

  /** The named certificate or key, copied into {@code dir} the first time it is asked for. */
  static Path file(Path dir, String name) throws IOException {
    Path file = dir.resolve(name);
    if (!Files.exists(file)) {
      try (InputStream in = TlsTesting.loadCert(name)) {
        Files.copy(in, file);
      }
    }
    return file;
  }
}
