package io.meshgate.meshbridge.consul;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.config.pem.Pem;
import io.meshgate.meshbridge.identity.SpiffeId;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * What {@code GET /v1/agent/connect/ca/leaf/:service} answers: a service's leaf certificate (with
 * any intermediates after it) and the private key the agent made for it, re-encoded as PKCS#8. The
 * key never appears in {@link #toString()}.
 */
public record ConsulLeaf(
    SpiffeId id,
    String chainPem,
    String keyPem,
    Instant validAfter,
    Instant validBefore,
    String serialNumber) {
  public ConsulLeaf {
    requireNonNull(id, "id");
    requireNonNull(chainPem, "chainPem");
    requireNonNull(keyPem, "keyPem");
    requireNonNull(validAfter, "validAfter");
    requireNonNull(validBefore, "validBefore");
    requireNonNull(serialNumber, "serialNumber");
  }

  /**
   * Reads an answer for {@code service}, checking that it is usable as it stands: a SPIFFE ID, a
   * certificate whose URI SAN is that ID, and a key that belongs to the certificate.
   *
   * @throws IllegalArgumentException naming the field that is wrong
   */
  static ConsulLeaf read(JsonNode answer, String service) {
    String uri = answer.path("ServiceURI").asText("");
    SpiffeId id =
        SpiffeId.parse(uri)
            .orElseThrow(
                () -> new IllegalArgumentException("ServiceURI: '" + uri + "' is no SPIFFE ID"));
    if (!id.name().equals(service)) {
      throw new IllegalArgumentException(
          "ServiceURI: '" + uri + "' names another service than " + service);
    }
    List<X509Certificate> chain = Pem.certificates(answer.path("CertPEM").asText(""), "CertPEM");
    X509Certificate leaf = chain.get(0);
    if (!uriSans(leaf).contains(uri)) {
      throw new IllegalArgumentException("CertPEM: the certificate does not name " + uri);
    }
    PrivateKey key = Pem.privateKey(answer.path("PrivateKeyPEM").asText(""), "PrivateKeyPEM");
    if (!belongsTo(key, leaf)) {
      throw new IllegalArgumentException("PrivateKeyPEM: the key is not the certificate's");
    }
    return new ConsulLeaf(
        id,
        Pem.certificates(chain),
        Pem.privateKey(key),
        instant(answer, "ValidAfter"),
        instant(answer, "ValidBefore"),
        answer.path("SerialNumber").asText(""));
  }

  @Override
  public String toString() {
    return "ConsulLeaf["
        + id
        + ", serial="
        + serialNumber
        + ", validBefore="
        + validBefore
        + ", key redacted]";
  }

  private static Instant instant(JsonNode answer, String field) {
    try {
      return Instant.parse(answer.path(field).asText(""));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          field + ": '" + answer.path(field).asText("") + "' is no RFC 3339 time", e);
    }
  }

  private static List<String> uriSans(X509Certificate certificate) {
    try {
      if (certificate.getSubjectAlternativeNames() == null) {
        return List.of();
      }
      return certificate.getSubjectAlternativeNames().stream()
          .filter(name -> Integer.valueOf(6).equals(name.get(0)))
          .map(name -> (String) name.get(1))
          .toList();
    } catch (GeneralSecurityException e) {
      return List.of();
    }
  }

  /** Whether {@code key} signs what {@code certificate}'s public key verifies. */
  private static boolean belongsTo(PrivateKey key, X509Certificate certificate) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "EC" -> "SHA256withECDSA";
          case "RSA" -> "SHA256withRSA";
          default -> "Ed25519";
        };
    try {
      byte[] probe =
          "meshgate: does this key belong to this certificate".getBytes(StandardCharsets.UTF_8);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
