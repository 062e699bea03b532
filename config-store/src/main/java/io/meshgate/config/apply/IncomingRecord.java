package io.meshgate.config.apply;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.store.AppliedOffset;
import java.util.Map;

/**
 * A Kafka record as the applier sees it, without Kafka's types.
 *
 * @param timestamp the record's timestamp (ms since the epoch; {@link AppliedOffset#NO_TIMESTAMP}
 *     when it has none)
 */
public record IncomingRecord(
    String topic,
    int partition,
    long offset,
    long timestamp,
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
