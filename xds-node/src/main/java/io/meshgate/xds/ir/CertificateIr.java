package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.meshgate.config.model.SealedData;

/**
 * A certificate a listener terminates TLS with, served to its Envoys as an SDS Secret of the same
 * name. The IR never holds a private key in the clear: a Secret's key stays sealed here, and a
 * file's is read when the Secret resource is built.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = CertificateIr.FromSecret.class, name = "secret"),
  @JsonSubTypes.Type(value = CertificateIr.FromFile.class, name = "file")
})
public sealed interface CertificateIr {
  /** The SDS resource name. */
  String name();

  /**
   * A kubernetes.io/tls Secret: its chain in PEM, its key sealed for the cluster (unsealed with the
   * Secret's namespace and name).
   */
  record FromSecret(
      String name, String namespace, String secretName, String chainPem, SealedData sealedKey)
      implements CertificateIr {
    public FromSecret {
      requireNonNull(name, "name");
      requireNonNull(namespace, "namespace");
      requireNonNull(secretName, "secretName");
      requireNonNull(chainPem, "chainPem");
      requireNonNull(sealedKey, "sealedKey");
    }
  }

  /**
   * A PEM file on every replica holding the chain and the key.
   *
   * @param namespace the namespace of the referring Gateway: with per-namespace cert dirs, the file
   *     must be below its subdirectory
   * @param fingerprint SHA-256 of the file when resolved, so a changed file is a changed IR
   */
  record FromFile(String name, String namespace, String path, String fingerprint)
      implements CertificateIr {
    public FromFile {
      requireNonNull(name, "name");
      requireNonNull(namespace, "namespace");
      requireNonNull(path, "path");
    }
  }
}
