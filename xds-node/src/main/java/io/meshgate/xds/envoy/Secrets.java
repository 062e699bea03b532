package io.meshgate.xds.envoy;

import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.GenericSecret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.meshgate.meshbridge.identity.IssuedIdentity;
import io.meshgate.meshbridge.identity.TrustBundle;
import io.meshgate.xds.ir.CertificateIr;
import io.meshgate.xds.keys.KeyMaterial;
import io.meshgate.xds.keys.KeyRef;

/**
 * SDS Secrets: a listener certificate's chain and private key, a mesh identity's, and the mesh's
 * trust bundle, inline; an OIDC login's client secret and HMAC key ({@link OidcLogin}). They are
 * served only to authenticated streams of their own group; everywhere else (logs, goldens, /debug)
 * a Secret appears through {@link #redacted}.
 */
public final class Secrets {
  /** What stands where a private key was. */
  public static final String REDACTED = "[redacted]";

  private Secrets() {}

  /** Where a certificate's material is in the key ring. */
  static KeyRef keyRef(CertificateIr certificate) {
    if (certificate instanceof CertificateIr.FromSecret secret) {
      return new KeyRef.Sealed(
          secret.namespace(), secret.secretName(), secret.chainPem(), secret.sealedKey());
    }
    CertificateIr.FromFile file = (CertificateIr.FromFile) certificate;
    return new KeyRef.File(file.namespace(), file.path());
  }

  /** The Secret of a certificate, with its opened material. */
  static Secret of(CertificateIr certificate, KeyMaterial.Opened material) {
    return Secret.newBuilder()
        .setName(certificate.name())
        .setTlsCertificate(
            TlsCertificate.newBuilder()
                .setCertificateChain(DataSource.newBuilder().setInlineString(material.chainPem()))
                .setPrivateKey(DataSource.newBuilder().setInlineString(material.keyPem())))
        .build();
  }

  /** A mesh identity's Secret: named by its SPIFFE ID, its chain and private key inline. */
  static Secret identity(IssuedIdentity identity) {
    return Secret.newBuilder()
        .setName(identity.secretName())
        .setTlsCertificate(
            TlsCertificate.newBuilder()
                .setCertificateChain(DataSource.newBuilder().setInlineString(identity.chainPem()))
                .setPrivateKey(DataSource.newBuilder().setInlineString(identity.keyPem())))
        .build();
  }

  /** A trust bundle's Secret: named by the trust domain's ID, the roots inline. */
  static Secret bundle(TrustBundle bundle) {
    return Secret.newBuilder()
        .setName(bundle.secretName())
        .setValidationContext(
            CertificateValidationContext.newBuilder()
                .setTrustedCa(DataSource.newBuilder().setInlineString(bundle.pem())))
        .build();
  }

  /**
   * The same Secret with its private key (or, for a generic secret, its value) replaced by {@value
   * #REDACTED}.
   */
  public static Secret redacted(Secret secret) {
    if (secret.hasGenericSecret()) {
      return secret.toBuilder()
          .setGenericSecret(
              GenericSecret.newBuilder()
                  .setSecret(DataSource.newBuilder().setInlineString(REDACTED)))
          .build();
    }
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
