package io.meshgate.xds.issuers;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * Where a JWT provider's remote key set is fetched from, and whom it trusts: the same URL trusted
 * through another CA is another key set (it may well fail where the first succeeds).
 *
 * @param uri a {@code remoteJWKS.uri} as the config writes it
 * @param caPem the PEM of the {@code ca.crt} of every {@code caCertificateRefs} Secret, in order
 *     (public); null: the JDK's trust store
 */
public record KeySetSource(String uri, @Nullable String caPem) {
  public KeySetSource {
    requireNonNull(uri, "uri");
  }

  /** Trusting the JDK's trust store. */
  public static KeySetSource of(String uri) {
    return new KeySetSource(uri, null);
  }

  @Override
  public String toString() {
    return caPem == null ? uri : uri + " (CA sha-256 " + sha256(caPem, 4) + ")";
  }

  /** The first {@code bytes} bytes of the SHA-256 of {@code text}, in hex. */
  static String sha256(String text, int bytes) {
    return sha256(text.getBytes(StandardCharsets.UTF_8), bytes);
  }

  static String sha256(byte[] data, int bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data), 0, bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
