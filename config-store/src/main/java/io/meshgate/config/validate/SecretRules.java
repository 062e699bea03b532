package io.meshgate.config.validate;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.config.model.SecretSpec;
import io.meshgate.config.model.SecretType;
import io.meshgate.config.pem.Pem;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Secrets carry no plaintext private values: only certificates may be plain ({@code tls.crt},
 * {@code ca.crt}); everything else is sealed by {@code meshgate seal}.
 */
final class SecretRules {
  /** The only values a Secret may carry in plain form: they are public. */
  static final Set<String> PUBLIC_KEYS = Set.of("tls.crt", "ca.crt");

  /**
   * Whether a data key is public: a certificate, or a JWT key set ({@code jwks}, {@code *.jwks}),
   * which holds public keys only.
   */
  static boolean isPublic(String key) {
    return PUBLIC_KEYS.contains(key) || isKeySet(key);
  }

  /** A JWT key set's key: {@code jwks} or {@code <name>.jwks}; its value is JSON, not PEM. */
  static boolean isKeySet(String key) {
    return key.equals("jwks") || key.endsWith(".jwks");
  }

  private static final String HOW_TO_SEAL =
      "seal the Secret with 'meshgate seal -f FILE' and apply its output";

  private SecretRules() {}

  /** Runs on the raw document, before the schema, so the refusal says how to seal. */
  static List<Violation> checkPlaintext(JsonNode document) {
    Problems problems = new Problems();
    if (document.has("stringData")) {
      problems.add("/stringData", "holds plaintext values; " + HOW_TO_SEAL, null);
    }
    JsonNode data = document.path("data");
    if (data.isObject()) {
      data.fieldNames()
          .forEachRemaining(
              key -> {
                if (!isPublic(key)) {
                  problems.add(
                      "/data/" + pointerSegment(key),
                      "'"
                          + key
                          + "' is private and must be sealed (only tls.crt, ca.crt and JWT key sets jwks or *.jwks may be plain); "
                          + HOW_TO_SEAL,
                      null);
                }
              });
    }
    return problems.violations();
  }

  static void check(SecretSpec secret, Problems problems) {
    for (Map.Entry<String, String> entry : secret.data().entrySet()) {
      String at = "/data/" + pointerSegment(entry.getKey());
      byte[] decoded = base64(entry.getValue(), at, problems);
      if (decoded != null && !isKeySet(entry.getKey()) && !certificates(decoded)) {
        problems.add(at, "must be base64 of PEM certificates", null);
      }
    }
    if (secret.sealed() != null) {
      for (Map.Entry<String, String> entry : secret.sealed().data().entrySet()) {
        base64(entry.getValue(), "/sealed/data/" + pointerSegment(entry.getKey()), problems);
      }
      base64(secret.sealed().wrappedKey(), "/sealed/wrappedKey", problems);
    }
    if (secret.type() == SecretType.TLS) {
      if (!secret.data().containsKey("tls.crt")) {
        problems.add("/data/tls.crt", "is required in a kubernetes.io/tls Secret", null);
      }
      if (secret.sealed() == null || !secret.sealed().data().containsKey("tls.key")) {
        problems.add(
            "/sealed/data/tls.key",
            "is required in a kubernetes.io/tls Secret (sealed by meshgate seal)",
            null);
      }
    }
  }

  /** A map key as one JSON pointer segment (RFC 6901 escapes). */
  private static String pointerSegment(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }

  private static byte[] base64(String value, String at, Problems problems) {
    try {
      return Base64.getDecoder().decode(value);
    } catch (IllegalArgumentException e) {
      problems.add(at, "must be base64 (" + e.getMessage() + ")", null);
      return null;
    }
  }

  private static boolean certificates(byte[] pem) {
    try {
      Pem.certificates(Pem.text(pem), "data");
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
