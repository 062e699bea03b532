package io.meshgate.config.seal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.config.model.SealedData;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns a Kubernetes-style Secret document (plain {@code data} in base64 and {@code stringData})
 * into the form meshgate accepts: public certificates stay in {@code data}, every other value is
 * sealed into {@code sealed}. What {@code meshgate seal} does.
 */
public final class SecretSealing {
  /** Values that are public and stay readable. */
  public static final Set<String> PUBLIC_KEYS = Set.of("tls.crt", "ca.crt");

  private SecretSealing() {}

  /**
   * Seals a plain Secret document.
   *
   * @throws IllegalArgumentException if it is not a Secret, has no name, has undecodable data, or
   *     already holds sealed values (sealing twice would lose them)
   */
  public static ObjectNode seal(JsonNode plain, Sealer sealer) {
    requireNonNull(plain, "plain");
    if (!"Secret".equals(plain.path("kind").asText())) {
      throw new IllegalArgumentException(
          "kind: '" + plain.path("kind").asText() + "' (expected: Secret)");
    }
    String name = plain.path("metadata").path("name").asText();
    if (name.isEmpty()) {
      throw new IllegalArgumentException("metadata.name is required to seal a Secret");
    }
    String namespace =
        plain.path("metadata").path("namespace").asText(ObjectMeta.DEFAULT_NAMESPACE);
    if (namespace.isEmpty()) {
      namespace = ObjectMeta.DEFAULT_NAMESPACE;
    }
    if (plain.has("sealed")) {
      throw new IllegalArgumentException(
          namespace + "/" + name + " is already sealed; seal the plain Secret again instead");
    }
    Map<String, String> publicData = new TreeMap<>();
    Map<String, byte[]> privateData = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = plain.path("data").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      byte[] value;
      try {
        value = Base64.getMimeDecoder().decode(entry.getValue().asText());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "data." + entry.getKey() + " is not base64: " + e.getMessage(), e);
      }
      put(entry.getKey(), value, publicData, privateData);
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = plain.path("stringData").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      put(
          entry.getKey(),
          entry.getValue().asText().getBytes(StandardCharsets.UTF_8),
          publicData,
          privateData);
    }

    ObjectNode sealed = Mappers.json().createObjectNode();
    sealed.put("apiVersion", "v1");
    sealed.put("kind", "Secret");
    ObjectNode metadata = sealed.putObject("metadata");
    metadata.put("name", name);
    metadata.put("namespace", namespace);
    copyIfPresent(plain.path("metadata"), metadata, "labels");
    copyIfPresent(plain.path("metadata"), metadata, "annotations");
    sealed.put("type", plain.path("type").asText("Opaque"));
    if (!publicData.isEmpty()) {
      ObjectNode data = sealed.putObject("data");
      publicData.forEach(data::put);
    }
    if (!privateData.isEmpty()) {
      SealedData envelope = sealer.seal(namespace, name, privateData);
      privateData.values().forEach(v -> Arrays.fill(v, (byte) 0));
      sealed.set("sealed", Mappers.json().valueToTree(envelope));
    }
    return sealed;
  }

  private static void put(
      String key, byte[] value, Map<String, String> publicData, Map<String, byte[]> privateData) {
    // A JWT key set (jwks, *.jwks) holds public keys only.
    if (PUBLIC_KEYS.contains(key) || key.equals("jwks") || key.endsWith(".jwks")) {
      publicData.put(key, Base64.getEncoder().encodeToString(value));
    } else {
      privateData.put(key, value);
    }
  }

  private static void copyIfPresent(JsonNode from, ObjectNode to, String field) {
    if (from.has(field)) {
      to.set(field, from.get(field));
    }
  }
}
