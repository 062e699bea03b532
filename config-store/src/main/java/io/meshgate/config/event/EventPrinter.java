package io.meshgate.config.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgate.config.codec.Mappers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Prints events as {@code meshgate apply --dry-run} shows them: topic, key, headers in order, and
 * the value as the exact JSON text that is published.
 */
public final class EventPrinter {
  private EventPrinter() {}

  /**
   * One YAML document per event. Written by hand rather than by a YAML library so that the value
   * stays one single-quoted line: the exact JSON text published, with nothing folded or escaped but
   * YAML's doubled single quote.
   */
  public static String yaml(List<ConfigEvent> events) {
    StringBuilder out = new StringBuilder();
    for (ConfigEvent event : events) {
      out.append("---\n");
      out.append("topic: ").append(quoted(event.topic())).append('\n');
      out.append("key: ").append(quoted(event.key())).append('\n');
      out.append("headers:\n");
      event
          .headers()
          .forEach(
              (name, value) ->
                  out.append("  ").append(name).append(": ").append(quoted(value)).append('\n'));
      out.append("value: '").append(event.valueText().replace("'", "''")).append("'\n");
    }
    return out.toString();
  }

  /** A JSON string literal, which YAML reads as the same string. */
  private static String quoted(String text) {
    try {
      return Mappers.json().writeValueAsString(text);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A JSON array, one object per event, with the value embedded as the published JSON. */
  public static String json(List<ConfigEvent> events) {
    ArrayNode array = Mappers.json().createArrayNode();
    events.forEach(e -> array.add(node(e)));
    try {
      return Mappers.json().writerWithDefaultPrettyPrinter().writeValueAsString(array) + "\n";
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ObjectNode node(ConfigEvent event) {
    ObjectNode node = Mappers.json().createObjectNode();
    node.put("topic", event.topic());
    node.put("key", event.key());
    ObjectNode headers = node.putObject("headers");
    event.headers().forEach(headers::put);
    try {
      node.set("value", Mappers.json().readTree(event.value()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return node;
  }
}
