package io.meshgate.xds.issuers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.config.codec.Mappers;
import java.util.Optional;

/**
 * The one check of a JWKS document (RFC 7517 §5), for a local key set in a Secret and a remote one
 * fetched alike: a JSON object with a non-empty {@code keys} list of JWKs, each with its {@code
 * kty}. Pure.
 */
public final class Jwks {
  private Jwks() {}

  /** What is wrong with a JWKS document, or empty when it is a {@code keys} list of JWKs. */
  public static Optional<String> problem(String json) {
    JsonNode root;
    try {
      root = Mappers.json().readTree(json);
    } catch (JsonProcessingException e) {
      return Optional.of("is not JSON");
    }
    if (root == null
        || !root.isObject()
        || !root.path("keys").isArray()
        || root.path("keys").isEmpty()) {
      return Optional.of("is not a JWKS (expected: {\"keys\": [...]} with at least one key)");
    }
    for (int i = 0; i < root.path("keys").size(); i++) {
      JsonNode jwk = root.path("keys").get(i);
      if (!jwk.path("kty").isTextual() || jwk.path("kty").asText().isEmpty()) {
        return Optional.of("has a key without kty (keys[" + i + "])");
      }
    }
    return Optional.empty();
  }

  /** The number of keys of a document {@link #problem} passes. */
  static int keys(String json) {
    try {
      return Mappers.json().readTree(json).path("keys").size();
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a checked JWKS", e);
    }
  }
}
