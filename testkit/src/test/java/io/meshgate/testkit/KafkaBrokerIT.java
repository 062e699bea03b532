package io.meshgate.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class KafkaBrokerIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.embedded();

  @Test
  void recordsProducedAreConsumedInOrderPerKey() {
    // given
    String topic = KafkaBroker.uniqueTopic("produce-consume");
    kafka.createTopic(topic, 3);

    // when
    produce(topic, 10);

    // then
    List<ConsumerRecord<String, byte[]>> records = consume(topic, "g-" + topic, 10);
    assertThat(records)
        .extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
        .containsExactly(expectedValues(10));
  }

  @Test
  void restartKeepsTheTopicAndItsRecords() {
    // given
    String topic = KafkaBroker.uniqueTopic("restart");
    kafka.createTopic(topic, 1);
    produce(topic, 5);
    String addressBefore = kafka.bootstrapServers();

    // when
    kafka.stop();
    assertThat(kafka.isRunning()).isFalse();
    kafka.start();

    // then
    assertThat(kafka.bootstrapServers()).isEqualTo(addressBefore);
    assertThat(kafka.topics()).contains(topic);
    assertThat(consume(topic, "g-" + topic, 5))
        .extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
        .containsExactly(expectedValues(5));
  }

  private static String[] expectedValues(int count) {
    String[] values = new String[count];
    for (int i = 0; i < count; i++) {
      values[i] = "value-" + i;
    }
    return values;
  }

  private static void produce(String topic, int count) {
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.producerConfig())) {
      for (int i = 0; i < count; i++) {
        // One key: the records land on one partition and keep their order.
        producer.send(
            new ProducerRecord<>(
                topic, "same-key", ("value-" + i).getBytes(StandardCharsets.UTF_8)));
      }
      producer.flush();
    }
  }

  private static List<ConsumerRecord<String, byte[]>> consume(
      String topic, String group, int count) {
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(kafka.consumerConfig(group))) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (records.size() < count && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }
}
