package io.meshgate.config.store;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgate.config.codec.Mappers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What etcd holds for a partition at {@code /meshgate/v1/offsets/<topic>/<partition>}: the offset
 * of the last record applied from it, and of that record its Kafka timestamp and its W3C trace
 * context. Replicas watch these keys: the etcd revision that wrote one is the revision the record's
 * effect landed at, so a snapshot built from that revision or later contains it (config convergence
 * seconds, the event's trace).
 *
 * @param recordTimestamp the Kafka record's timestamp (ms since the epoch), or {@link
 *     #NO_TIMESTAMP}; for a batch (a poll's consecutive records of the partition in one
 *     transaction), the oldest timestamp among its records
 * @param traceparent the record's {@code traceparent} header when it is a valid W3C trace context
 */
public record AppliedOffset(long offset, long recordTimestamp, Optional<String> traceparent) {
  public static final long NO_TIMESTAMP = -1;

  /** The Kafka header a producer's trace context travels in (W3C Trace Context). */
  public static final String TRACEPARENT_HEADER = "traceparent";

  /** Version 00 of W3C Trace Context: 55 characters, lowercase hex. */
  private static final Pattern TRACEPARENT =
      Pattern.compile("00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}");

  /** The longest value {@link #toBytes()} writes, for etcd's limits before anything is sent. */
  public static final AppliedOffset LARGEST =
      new AppliedOffset(
          Long.MAX_VALUE,
          Long.MAX_VALUE,
          Optional.of("00-" + "f".repeat(32) + "-" + "f".repeat(16) + "-ff"));

  public AppliedOffset {
    requireNonNull(traceparent, "traceparent");
    traceparent.ifPresent(
        t -> {
          if (!TRACEPARENT.matcher(t).matches()) {
            throw new IllegalArgumentException("not a W3C traceparent: " + t);
          }
        });
  }

  /** {@code header} when it is a valid W3C trace context; anything else is dropped. */
  public static Optional<String> traceparent(String header) {
    return header != null && TRACEPARENT.matcher(header).matches()
        ? Optional.of(header)
        : Optional.empty();
  }

  /** As stored: {@code {"offset":41,"recordTimestamp":1733...,"traceparent":"00-…"}}. */
  public byte[] toBytes() {
    ObjectNode node = Mappers.json().createObjectNode();
    node.put("offset", offset).put("recordTimestamp", recordTimestamp);
    traceparent.ifPresent(t -> node.put("traceparent", t));
    try {
      return Mappers.json().writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads a stored value: the JSON above, or the bare decimal offset earlier releases wrote (then
   * without timestamp or trace context).
   *
   * @throws IllegalArgumentException when it is neither
   */
  public static AppliedOffset parse(byte[] value) {
    String text = new String(value, StandardCharsets.UTF_8).strip();
    try {
      if (!text.startsWith("{")) {
        return new AppliedOffset(Long.parseLong(text), NO_TIMESTAMP, Optional.empty());
      }
      JsonNode node = Mappers.json().readTree(text);
      if (!node.path("offset").canConvertToLong()) {
        throw new IllegalArgumentException("stored offset without an offset: " + cut(text));
      }
      return new AppliedOffset(
          node.path("offset").asLong(),
          node.path("recordTimestamp").asLong(NO_TIMESTAMP),
          traceparent(node.path("traceparent").asText(null)));
    } catch (IOException | NumberFormatException e) {
      throw new IllegalArgumentException("not a stored offset: " + cut(text), e);
    }
  }

  private static String cut(String text) {
    return text.length() <= 80 ? text : text.substring(0, 80) + "…";
  }
}
