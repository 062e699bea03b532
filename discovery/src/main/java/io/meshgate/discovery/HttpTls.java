package io.meshgate.discovery;

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
import java.util.Collection;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for the HashiCorp HTTP APIs from PEM files, as their CLIs take them ({@code *_CACERT}, {@code
 * *_CLIENT_CERT}, {@code *_CLIENT_KEY}); JDK only. The key must be PKCS#8 ({@code BEGIN PRIVATE
 * KEY}), RSA or EC.
 */
public final class HttpTls {
  private HttpTls() {}

  /**
   * An SSL context trusting {@code ca} (or the JDK's trust store when empty) and presenting the
   * client certificate when both files are given.
   */
  public static SSLContext context(
      Optional<Path> ca, Optional<Path> clientCertificate, Optional<Path> clientKey)
      throws IOException, GeneralSecurityException {
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    if (ca.isPresent()) {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate certificate : certificates(ca.get())) {
        store.setCertificateEntry("ca-" + i++, certificate);
      }
      trust.init(store);
    } else {
      trust.init((KeyStore) null);
    }
    KeyManagerFactory keys = null;
    if (clientCertificate.isPresent() != clientKey.isPresent()) {
      throw new IllegalArgumentException(
          "a client certificate needs its key, and a key its certificate");
    }
    if (clientCertificate.isPresent()) {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      char[] password = new char[0];
      store.setKeyEntry(
          "client",
          privateKey(clientKey.get()),
          password,
          certificates(clientCertificate.get()).toArray(Certificate[]::new));
      keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, password);
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
    return context;
  }

  private static Collection<? extends Certificate> certificates(Path pem)
      throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(pem)) {
      Collection<? extends Certificate> certificates =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certificates.isEmpty()) {
        throw new GeneralSecurityException(pem + " holds no PEM certificate");
      }
      return certificates;
    }
  }

  private static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
    String text = Files.readString(pem, StandardCharsets.US_ASCII);
    int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = text.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) {
      throw new GeneralSecurityException(
          pem
              + " is not a PKCS#8 private key (BEGIN PRIVATE KEY); convert it with"
              + " openssl pkcs8 -topk8 -nocrypt");
    }
    byte[] der =
        Base64.getMimeDecoder()
            .decode(text.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end));
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : new String[] {"EC", "RSA", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException notThisOne) {
        // try the next
      }
    }
    throw new GeneralSecurityException(pem + " holds a private key of an unsupported algorithm");
  }
}
