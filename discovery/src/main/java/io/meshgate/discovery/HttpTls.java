package io.meshgate.discovery;

import io.meshgate.config.pem.Pem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for the HashiCorp HTTP APIs from PEM files, as their CLIs take them ({@code *_CACERT}, {@code
 * *_CLIENT_CERT}, {@code *_CLIENT_KEY}), read by {@link Pem}: the key is PKCS#8 ({@code BEGIN
 * PRIVATE KEY}) or the traditional EC or RSA form, unencrypted.
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

  private static List<X509Certificate> certificates(Path pem)
      throws IOException, GeneralSecurityException {
    String text = Pem.text(Files.readAllBytes(pem));
    try {
      return Pem.certificates(text, pem.toString());
    } catch (IllegalArgumentException e) {
      throw new GeneralSecurityException(e.getMessage(), e);
    }
  }

  private static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
    String text = Pem.text(Files.readAllBytes(pem));
    try {
      return Pem.privateKey(text, pem.toString());
    } catch (IllegalArgumentException e) {
      // Pem's messages name the file and never a key byte.
      throw new GeneralSecurityException(e.getMessage(), e);
    }
  }
}
