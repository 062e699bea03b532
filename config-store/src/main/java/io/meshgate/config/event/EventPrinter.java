package io.meshgate.config.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgate.config.codec.Mappers;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Prints events as {@code meshgate apply --dry-run} shows them: topic, key, headers in order, and
 * the value as the exact JSON text that is published.
 */
public final class EventPrinter {
  private EventPrinter() {}

  /** One YAML document per event. */
  public static String yaml(List<ConfigEvent> events) {
    StringBuilder out = new StringBuilder();
    for (ConfigEvent event : events) {
      out.append("---\n");
      try {
        out.append(Mappers.yaml().writeValueAsString(node(event, true)));
      } catch (JsonProcessingException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out.toString();
  }

  /** A JSON array, one object per event, with the value embedded as the published JSON. */
  public static String json(List<ConfigEvent> events) {
    ArrayNode array = Mappers.json().createArrayNode();
    events.forEach(e -> array.add(node(e, false)));
    try {
      return Mappers.json().writerWithDefaultPrettyPrinter().writeValueAsString(array) + "\n";
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ObjectNode node(ConfigEvent event, boolean valueAsText) {
    ObjectNode node = Mappers.json().createObjectNode();
    node.put("topic", event.topic());
    node.put("key", event.key());
    ObjectNode headers = node.putObject("headers");
    event.headers().forEach(headers::put);
    if (valueAsText) {
      node.put("value", event.valueText());
    } else {
      try {
        node.set("value", Mappers.json().readTree(event.value()));
      } catch (java.io.IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return node;
  }
}
