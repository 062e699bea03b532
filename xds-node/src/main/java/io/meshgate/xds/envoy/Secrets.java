package io.meshgate.xds.envoy;

import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.meshgate.xds.ir.CertificateIr;
import io.meshgate.xds.keys.PrivateKeys;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SDS Secrets: a listener certificate's chain and private key, inline. They are served only to
 * authenticated streams of their own group; everywhere else (logs, goldens, /debug) a Secret
 * appears through {@link #redacted}.
 */
public final class Secrets {
  private static final Logger log = LoggerFactory.getLogger(Secrets.class);

  /** What stands where a private key was. */
  public static final String REDACTED = "[redacted]";

  private Secrets() {}

  /** The Secret, or empty (logged, without key material) when its key cannot be opened now. */
  static Optional<Secret> of(CertificateIr certificate, PrivateKeys keys) {
    PrivateKeys.KeyPairPem pair;
    try {
      pair = keys.open(certificate);
    } catch (PrivateKeys.KeyUnavailable e) {
      log.warn("certificate {} left out: {}", certificate.name(), e.getMessage());
      return Optional.empty();
    }
    return Optional.of(
        Secret.newBuilder()
            .setName(certificate.name())
            .setTlsCertificate(
                TlsCertificate.newBuilder()
                    .setCertificateChain(DataSource.newBuilder().setInlineString(pair.chainPem()))
                    .setPrivateKey(DataSource.newBuilder().setInlineString(pair.keyPem())))
            .build());
  }

  /** The same Secret with its private key replaced by {@value #REDACTED}. */
  public static Secret redacted(Secret secret) {
    if (!secret.hasTlsCertificate()) {
      return secret;
    }
    return secret.toBuilder()
        .setTlsCertificate(
            secret.getTlsCertificate().toBuilder()
                .setPrivateKey(DataSource.newBuilder().setInlineString(REDACTED)))
        .build();
  }
}
