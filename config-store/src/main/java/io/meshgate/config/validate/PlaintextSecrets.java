package io.meshgate.config.validate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes what must never travel in plain form from a Secret document: {@code stringData}, and
 * every {@code data} value but the public ones ({@code tls.crt}, {@code ca.crt}). Sealed values
 * stay. For copies of refused records, which otherwise would carry a user's mistake on.
 */
public final class PlaintextSecrets {
  private PlaintextSecrets() {}

  /**
   * Strips the document in place if it is a Secret.
   *
   * @return the JSON pointers of what was removed, relative to the document
   */
  public static List<String> strip(JsonNode document) {
    List<String> removed = new ArrayList<>();
    if (!(document instanceof ObjectNode secret)
        || !"Secret".equals(secret.path("kind").asText())) {
      return removed;
    }
    if (secret.has("stringData")) {
      secret.remove("stringData");
      removed.add("/stringData");
    }
    if (secret.path("data") instanceof ObjectNode data) {
      List<String> names = new ArrayList<>();
      data.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        if (!SecretRules.isPublic(name)) {
          data.remove(name);
          removed.add("/data/" + name.replace("~", "~0").replace("/", "~1"));
        }
      }
    }
    return removed;
  }
}
