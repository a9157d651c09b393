package dev.atomkv.server.auth;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;

/**
 * The server's PEM files (the same --tls-cert, --tls-key and --tls-client-ca the gRPC port uses)
 * as the in-memory key stores Java's TLS takes (the KV Connect and console ports use them).
 */
public final class PemKeyStores {
  private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "EdDSA");

  private PemKeyStores() {}

  /** A key store holding the private key (PKCS#8, unencrypted) and its certificate chain. */
  public static KeyStore identity(Path certChain, Path key, char[] password)
      throws IOException, GeneralSecurityException {
    Certificate[] chain = certificates(certChain).toArray(Certificate[]::new);
    if (chain.length == 0) {
      throw new GeneralSecurityException("no certificate in " + certChain);
    }
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    ks.setKeyEntry("server", privateKey(key), password, chain);
    return ks;
  }

  /** A trust store holding every certificate of the file. */
  public static KeyStore trust(Path caCerts) throws IOException, GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    int i = 0;
    for (Certificate c : certificates(caCerts)) {
      ks.setCertificateEntry("ca-" + i++, c);
    }
    return ks;
  }

  private static List<? extends Certificate> certificates(Path file)
      throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(file)) {
      return List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
    }
  }

  private static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
    String pem = Files.readString(file, StandardCharsets.US_ASCII);
    int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = pem.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) {
      throw new GeneralSecurityException(file + " holds no unencrypted PKCS#8 private key "
          + "(-----BEGIN PRIVATE KEY-----)");
    }
    byte[] der = Base64.getMimeDecoder().decode(
        pem.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end));
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : KEY_ALGORITHMS) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException wrongAlgorithm) {
        // try the next one
      }
    }
    throw new GeneralSecurityException(file + ": unsupported private key algorithm");
  }
}
