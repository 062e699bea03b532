package io.meshgate.meshbridge.ca;

import static java.util.Objects.requireNonNull;

import java.math.BigInteger;
import java.security.PublicKey;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Everything a leaf certificate says, decided by the caller: the CA only checks and signs. Times
 * are whole seconds (X.509 has no fractions).
 *
 * @param commonName the subject's CN
 * @param names the subject alternative names, at least one
 * @param publicKey the key the certificate certifies; its private half never reaches the CA
 * @param serial positive, at most 20 bytes (RFC 5280)
 */
public record LeafRequest(
    String commonName,
    List<SubjectName> names,
    Purpose purpose,
    PublicKey publicKey,
    Instant notBefore,
    Instant notAfter,
    BigInteger serial,
    Signing signing) {
  public LeafRequest {
    requireNonNull(commonName, "commonName");
    names = List.copyOf(names);
    requireNonNull(purpose, "purpose");
    requireNonNull(publicKey, "publicKey");
    requireNonNull(notBefore, "notBefore");
    requireNonNull(notAfter, "notAfter");
    requireNonNull(serial, "serial");
    requireNonNull(signing, "signing");
    if (names.isEmpty()) {
      throw new IllegalArgumentException(
          "names: none (expected: at least one subject alternative name)");
    }
    notBefore = notBefore.truncatedTo(ChronoUnit.SECONDS);
    notAfter = notAfter.truncatedTo(ChronoUnit.SECONDS);
    if (!notAfter.isAfter(notBefore)) {
      throw new IllegalArgumentException(
          "notAfter: " + notAfter + " (expected: after notBefore " + notBefore + ")");
    }
    if (serial.signum() <= 0 || serial.bitLength() > 159) {
      throw new IllegalArgumentException(
          "serial: " + serial.toString(16) + " (expected: positive, at most 20 bytes)");
    }
  }
}
