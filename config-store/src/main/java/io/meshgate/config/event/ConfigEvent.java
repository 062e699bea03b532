package io.meshgate.config.event;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One event as it goes to Kafka: topic, key (the namespace), headers in a fixed order, and the JSON
 * value.
 */
public record ConfigEvent(String topic, String key, Map<String, String> headers, byte[] value) {
  /** The topic users publish to. */
  public static final String TOPIC = "meshgate.config";

  /** Where rejected records are copied, with the reasons in headers. */
  public static final String REJECTED_TOPIC = "meshgate.config.rejected";

  public ConfigEvent {
    requireNonNull(topic, "topic");
    requireNonNull(key, "key");
    headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    value = value.clone();
  }

  public String id() {
    return headers.get(Headers.ID);
  }

  public String subject() {
    return headers.get(Headers.SUBJECT);
  }

  public EventType type() {
    return EventType.fromCeType(headers.get(Headers.TYPE)).orElseThrow();
  }

  @Override
  public byte[] value() {
    return value.clone();
  }

  public String valueText() {
    return new String(value, StandardCharsets.UTF_8);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ConfigEvent that
        && topic.equals(that.topic)
        && key.equals(that.key)
        && headers.equals(that.headers)
        && Arrays.equals(value, that.value);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * (31 * topic.hashCode() + key.hashCode()) + headers.hashCode())
        + Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return "ConfigEvent["
        + topic
        + ", key="
        + key
        + ", "
        + headers
        + ", "
        + value.length
        + " bytes]";
  }
}
