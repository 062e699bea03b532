package io.meshgate.xds.security;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.KeyUse;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.model.SealedData;
import java.security.interfaces.ECPublicKey;
import java.text.ParseException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

/**
 * A token signing key as stored in etcd at {@code Keyspace.tokenKey(kid)}: {@code {"kid",
 * "publicJwk", "sealedPrivate", "created", "retiredAt"}}. The private key is there only as a sealed
 * PKCS#8 envelope, so this record holds no private key material and may be printed.
 */
public record TokenKey(
    String kid,
    ECPublicKey publicKey,
    SealedData sealedPrivate,
    Instant created,
    Optional<Instant> retiredAt) {
  public TokenKey {
    requireNonNull(kid, "kid");
    requireNonNull(publicKey, "publicKey");
    requireNonNull(sealedPrivate, "sealedPrivate");
    requireNonNull(created, "created");
    requireNonNull(retiredAt, "retiredAt");
    String expected = SigningKey.kidOf(publicKey);
    if (!kid.equals(expected)) {
      throw new IllegalArgumentException(
          "kid: " + kid + " (expected: " + expected + ", the id of publicKey)");
    }
  }

  public boolean isRetired() {
    return retiredAt.isPresent();
  }

  /** This key, no longer signing from {@code at} on. */
  public TokenKey retired(Instant at) {
    return new TokenKey(kid, publicKey, sealedPrivate, created, Optional.of(at));
  }

  public PublicKeyEntry publicEntry() {
    return new PublicKeyEntry(kid, publicKey, created, retiredAt);
  }

  /** The public JWK (kty EC, crv P-256, x, y, kid, use sig, alg ES256). */
  public ECKey publicJwk() {
    return new ECKey.Builder(Curve.P_256, publicKey)
        .keyID(kid)
        .keyUse(KeyUse.SIGNATURE)
        .algorithm(JWSAlgorithm.ES256)
        .build();
  }

  /** The stored JSON. */
  public String toJson() {
    ObjectNode node = Mappers.json().createObjectNode();
    node.put("kid", kid);
    node.set("publicJwk", Mappers.json().valueToTree(publicJwk().toJSONObject()));
    node.set("sealedPrivate", Mappers.json().valueToTree(sealedPrivate));
    node.put("created", created.toString());
    retiredAt.ifPresent(at -> node.put("retiredAt", at.toString()));
    try {
      return Mappers.json().writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write token key " + kid, e);
    }
  }

  /**
   * Reads a stored value.
   *
   * @param source where it came from (the etcd key), for the message
   * @throws IllegalArgumentException naming the source and the bad field; never quoting key
   *     material
   */
  public static TokenKey parse(String json, String source) {
    requireNonNull(json, "json");
    JsonNode node;
    try {
      node = Mappers.json().readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(source + ": not JSON", e);
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(source + ": not a JSON object");
    }
    String kid = text(node, "kid", source);
    ECPublicKey publicKey = publicKey(node.path("publicJwk"), source);
    SealedData sealed;
    try {
      sealed = Mappers.json().treeToValue(node.path("sealedPrivate"), SealedData.class);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": sealedPrivate is not a sealed envelope", e);
    }
    if (sealed == null) {
      throw new IllegalArgumentException(source + ": sealedPrivate is missing");
    }
    Instant created = instant(text(node, "created", source), "created", source);
    Optional<Instant> retiredAt =
        node.hasNonNull("retiredAt")
            ? Optional.of(instant(text(node, "retiredAt", source), "retiredAt", source))
            : Optional.empty();
    return new TokenKey(kid, publicKey, sealed, created, retiredAt);
  }

  @SuppressWarnings("unchecked")
  private static ECPublicKey publicKey(JsonNode jwk, String source) {
    if (!jwk.isObject()) {
      throw new IllegalArgumentException(source + ": publicJwk is missing (expected: a JWK)");
    }
    if (jwk.has("d")) {
      // Refused rather than ignored: a private JWK here means the key leaked into etcd.
      throw new IllegalArgumentException(
          source + ": publicJwk holds a private key (expected: the public JWK only)");
    }
    try {
      ECKey key = ECKey.parse(Mappers.json().convertValue(jwk, Map.class));
      if (!Curve.P_256.equals(key.getCurve())) {
        throw new IllegalArgumentException(
            source + ": publicJwk curve " + key.getCurve() + " (expected: P-256)");
      }
      return key.toECPublicKey();
    } catch (ParseException | JOSEException e) {
      throw new IllegalArgumentException(
          source + ": publicJwk is not an EC public JWK: " + e.getMessage(), e);
    }
  }

  private static String text(JsonNode node, String field, String source) {
    JsonNode value = node.path(field);
    if (!value.isTextual() || value.asText().isEmpty()) {
      throw new IllegalArgumentException(source + ": " + field + " is missing (expected: text)");
    }
    return value.asText();
  }

  private static Instant instant(String value, String field, String source) {
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          source
              + ": "
              + field
              + ": '"
              + value
              + "' (expected: RFC 3339, e.g. 2025-01-31T12:00:00Z)",
          e);
    }
  }
}
