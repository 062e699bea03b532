package io.meshgate.xds.cli;

import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.event.KafkaClientConfig;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.StoreReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.jspecify.annotations.Nullable;

/**
 * Events published for a resource but not yet applied: the records of its namespace's partition
 * past the offset etcd holds for it, whose subject names the resource (or a changeset of its
 * namespace). This is what {@code meshgate status} shows as Pending.
 */
final class PendingEvents {
  private PendingEvents() {}

  /** The ids of pending events for {@code key}, oldest first. */
  static List<String> find(
      String bootstrapServers,
      KafkaClientConfig client,
      ResourceKey key,
      StoreReader reader,
      Duration timeout) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    config.put(
        ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 30_000));
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    List<String> pending = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(client.over(config))) {
      List<PartitionInfo> partitions = consumer.partitionsFor(ConfigEvent.TOPIC, timeout);
      if (partitions == null || partitions.isEmpty()) {
        return pending;
      }
      // The producer's default partitioner for keyed records.
      int partition =
          Utils.toPositive(Utils.murmur2(key.namespace().getBytes(StandardCharsets.UTF_8)))
              % partitions.size();
      TopicPartition tp = new TopicPartition(ConfigEvent.TOPIC, partition);
      long applied = reader.appliedOffset(ConfigEvent.TOPIC, partition);
      long end = consumer.endOffsets(List.of(tp), timeout).get(tp);
      if (end <= applied + 1) {
        return pending;
      }
      consumer.assign(List.of(tp));
      consumer.seek(tp, applied + 1);
      long deadline = System.nanoTime() + timeout.toNanos();
      long position = applied + 1;
      while (position < end && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          position = record.offset() + 1;
          String subject = header(record, "ce_subject");
          boolean changeset =
              subject != null && subject.startsWith("changeset/" + key.namespace() + "/");
          if (key.toString().equals(subject) || changeset) {
            pending.add(header(record, "ce_id"));
          }
        }
      }
    }
    return pending;
  }

  private static @Nullable String header(ConsumerRecord<String, byte[]> record, String name) {
    var header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
