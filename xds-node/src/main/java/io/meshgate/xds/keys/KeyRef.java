package io.meshgate.xds.keys;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.SealedData;

/**
 * What key material (a certificate's, or a Secret's sealed values) is looked up by in a {@link
 * KeyRing}.
 */
public sealed interface KeyRef {
  /**
   * A kubernetes.io/tls Secret's chain ({@code tls.crt}) and its {@code tls.key}, sealed for the
   * cluster and opened with the Secret's namespace and name. A changed Secret is a new reference.
   */
  record Sealed(String namespace, String secretName, String chainPem, SealedData sealed)
      implements KeyRef {
    public Sealed {
      requireNonNull(namespace, "namespace");
      requireNonNull(secretName, "secretName");
      requireNonNull(chainPem, "chainPem");
      requireNonNull(sealed, "sealed");
    }

    @Override
    public String toString() {
      return "Secret " + namespace + "/" + secretName;
    }
  }

  /** A PEM file holding a chain and its key, named by a resource in {@code namespace}. */
  record File(String namespace, String path) implements KeyRef {
    public File {
      requireNonNull(namespace, "namespace");
      requireNonNull(path, "path");
    }

    @Override
    public String toString() {
      return "file " + path + " from " + namespace;
    }
  }

  /**
   * The sealed values of an Opaque Secret (API keys, passwords, client secrets), opened with the
   * Secret's namespace and name. A changed Secret is a new reference.
   */
  record SealedValues(String namespace, String secretName, SealedData sealed) implements KeyRef {
    public SealedValues {
      requireNonNull(namespace, "namespace");
      requireNonNull(secretName, "secretName");
      requireNonNull(sealed, "sealed");
    }

    @Override
    public String toString() {
      return "Secret " + namespace + "/" + secretName;
    }
  }
}
