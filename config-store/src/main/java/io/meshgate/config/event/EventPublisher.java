package io.meshgate.config.event;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes events to Kafka: idempotent, {@code acks=all}, one event per record, in the order
 * given. Returns only when every record is acknowledged or the timeout has passed.
 */
public final class EventPublisher implements AutoCloseable {
  private final KafkaProducer<String, byte[]> producer;
  private final Duration timeout;

  public EventPublisher(String bootstrapServers, Duration timeout, Map<String, Object> overrides) {
    this(bootstrapServers, KafkaClientConfig.none(), timeout, overrides);
  }

  /**
   * A publisher that connects with {@code client}'s properties (security, SASL, TLS); meshgate's
   * bootstrap servers, serialisers, idempotence and {@code acks=all} win over them.
   */
  public static EventPublisher connect(
      String bootstrapServers, KafkaClientConfig client, Duration timeout) {
    return new EventPublisher(bootstrapServers, client, timeout, Map.of());
  }

  private EventPublisher(
      String bootstrapServers,
      KafkaClientConfig client,
      Duration timeout,
      Map<String, Object> overrides) {
    requireNonNull(bootstrapServers, "bootstrapServers");
    requireNonNull(client, "client");
    this.timeout = requireNonNull(timeout, "timeout");
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    // Idempotence keeps a partition's order across retries (at most 5 requests in flight).
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, millis);
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Math.max(millis, 1_000));
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(millis, 30_000));
    config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    config.putAll(overrides);
    this.producer = new KafkaProducer<>(client.over(config));
  }

  /**
   * Publishes and waits for every acknowledgement.
   *
   * @return where each event landed, in the order given
   * @throws PublishException when Kafka does not acknowledge within the timeout, naming the first
   *     event not acknowledged
   */
  public List<RecordMetadata> publish(List<ConfigEvent> events) {
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    try {
      for (ConfigEvent event : events) {
        sent.add(producer.send(record(event)));
      }
      producer.flush();
      List<RecordMetadata> landed = new ArrayList<>();
      long deadline = System.nanoTime() + timeout.toNanos();
      for (int i = 0; i < sent.size(); i++) {
        long left = Math.max(0, deadline - System.nanoTime());
        try {
          landed.add(sent.get(i).get(left, TimeUnit.NANOSECONDS));
        } catch (ExecutionException | TimeoutException e) {
          Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
          if (cause instanceof AuthenticationException || cause instanceof AuthorizationException) {
            throw new PublishException(
                "Kafka refused event "
                    + events.get(i).subject()
                    + " ("
                    + events.get(i).id()
                    + "): "
                    + cause.getMessage(),
                cause);
          }
          throw new PublishException(
              "event "
                  + events.get(i).subject()
                  + " ("
                  + events.get(i).id()
                  + ") was not acknowledged by Kafka within "
                  + timeout.toSeconds()
                  + " s: "
                  + cause.getMessage()
                  + (cause instanceof org.apache.kafka.common.errors.TimeoutException
                      ? " (check the bootstrap servers, and that the client's security.protocol"
                          + " is the listener's: a plaintext client gets no answer from a TLS port)"
                      : ""),
              cause);
        }
      }
      return landed;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PublishException("interrupted while publishing", e);
    } catch (KafkaException e) {
      throw new PublishException("cannot publish to Kafka: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }

  /** Kafka did not take an event; nothing after it is known to be published. */
  public static final class PublishException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PublishException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The Kafka record of an event: its topic, key, value and headers (UTF-8). */
  public static ProducerRecord<String, byte[]> record(ConfigEvent event) {
    ProducerRecord<String, byte[]> record =
        new ProducerRecord<>(event.topic(), event.key(), event.value());
    event
        .headers()
        .forEach(
            (name, value) ->
                record
                    .headers()
                    .add(new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8))));
    return record;
  }
}
