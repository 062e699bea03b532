package io.meshgate.config.apply;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/** A Kafka record as the applier sees it, without Kafka's types. */
public record IncomingRecord(
    String topic,
    int partition,
    long offset,
    String key,
    Map<String, String> headers,
    byte[] value) {
  public IncomingRecord {
    requireNonNull(topic, "topic");
    headers = Map.copyOf(headers);
  }

  /** Where the record sits, as an id for events that arrive without one. */
  String position() {
    return "kafka:" + topic + "/" + partition + "/" + offset;
  }
}
