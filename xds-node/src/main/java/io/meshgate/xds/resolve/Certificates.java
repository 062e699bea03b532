package io.meshgate.xds.resolve;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.SecretObjectRef;
import io.meshgate.config.model.SecretSpec;
import io.meshgate.config.model.SecretType;
import io.meshgate.xds.ir.CertificateIr;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.keys.KeyMaterial;
import io.meshgate.xds.keys.KeyRef;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * A listener's certificateRef to a certificate the replica can serve: a kubernetes.io/tls Secret
 * (another namespace's needs a ReferenceGrant) whose key this replica can unseal, or a PEM file
 * below the node's cert dirs (RefNotPermitted elsewhere). Anything else is a Problem naming the
 * reference, and the certificate is left out. The key material comes from the {@code KeyRing}:
 * nothing here reads a file or unseals.
 */
final class Certificates {
  private Certificates() {}

  static Optional<CertificateIr> resolve(
      Context context, Resource gateway, SecretObjectRef ref, String at) {
    if (ref.isFile()) {
      // The key loader read the file, only from the node's cert dirs; the ring holds its
      // fingerprint or the refusal with its reason.
      String from = gateway.metadata().namespace();
      KeyMaterial material = context.keys.get(new KeyRef.File(from, ref.name()));
      if (material instanceof KeyMaterial.Unavailable unavailable) {
        context.problem(gateway, at, reasonOf(unavailable), unavailable.message());
        return Optional.empty();
      }
      return Optional.of(
          new CertificateIr.FromFile(
              Names.fileCertificate(ref.name()),
              from,
              ref.name(),
              ((KeyMaterial.Opened) material).fingerprint()));
    }
    String namespace = ref.namespace() == null ? gateway.metadata().namespace() : ref.namespace();
    if (!ReferenceGrants.allows(context.config, gateway, "", "Secret", namespace, ref.name())) {
      context.problem(
          gateway,
          at,
          ProblemReason.REF_NOT_PERMITTED,
          "Secret "
              + namespace
              + "/"
              + ref.name()
              + " is in another namespace and needs a ReferenceGrant there");
      return Optional.empty();
    }
    Optional<Resource> secret = context.get(new ResourceKey(Kind.SECRET, namespace, ref.name()));
    if (secret.isEmpty()) {
      context.problem(
          gateway,
          at,
          ProblemReason.INVALID_CERTIFICATE_REF,
          "Secret " + namespace + "/" + ref.name() + " not found");
      return Optional.empty();
    }
    SecretSpec spec = secret.get().spec(SecretSpec.class);
    if (spec.type() != SecretType.TLS) {
      context.problem(
          gateway,
          at,
          ProblemReason.INVALID_CERTIFICATE_REF,
          "Secret " + namespace + "/" + ref.name() + " is not of type kubernetes.io/tls");
      return Optional.empty();
    }
    CertificateIr.FromSecret certificate =
        new CertificateIr.FromSecret(
            Names.secretCertificate(secret.get().key()),
            namespace,
            ref.name(),
            new String(
                Base64.getDecoder().decode(spec.data().get("tls.crt")), StandardCharsets.UTF_8),
            spec.sealed());
    KeyMaterial material =
        context.keys.get(
            new KeyRef.Sealed(namespace, ref.name(), certificate.chainPem(), spec.sealed()));
    if (material instanceof KeyMaterial.Unavailable unavailable) {
      context.problem(
          gateway,
          at,
          reasonOf(unavailable),
          "Secret " + namespace + "/" + ref.name() + ": " + unavailable.message());
      return Optional.empty();
    }
    return Optional.of(certificate);
  }

  /** The Gateway API reason of a reference whose key material is unavailable. */
  private static ProblemReason reasonOf(KeyMaterial.Unavailable unavailable) {
    return switch (unavailable.reason()) {
      case INVALID_CERTIFICATE_REF -> ProblemReason.INVALID_CERTIFICATE_REF;
      case REF_NOT_PERMITTED -> ProblemReason.REF_NOT_PERMITTED;
    };
  }
}
