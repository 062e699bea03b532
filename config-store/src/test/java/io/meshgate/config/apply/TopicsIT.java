package io.meshgate.config.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.event.KafkaClientConfig;
import io.meshgate.testkit.KafkaBroker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link Topics#ensure} returns only when every partition of both topics takes writes. */
class TopicsIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.embedded();

  /**
   * Right after CreateTopics returns, the broker may not lead the new partitions yet and answers a
   * produce with NOT_LEADER_OR_FOLLOWER; the idempotent producer then retries, and a retry is where
   * a first publish has been seen to hang until its delivery timeout. Several fresh topics on one
   * broker, because the race shows on most of them but not on every one.
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5})
  void aFirstPublishRightAfterEnsureNeedsNoRetry(int round) throws Exception {
    String topic = "topics-it-" + round;
    Topics.ensure(kafka.bootstrapServers(), KafkaClientConfig.none(), topic, topic + ".rejected");

    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.producerConfig())) {
      List<Future<?>> sent = new ArrayList<>();
      for (int partition = 0; partition < Topics.PARTITIONS; partition++) {
        sent.add(producer.send(new ProducerRecord<>(topic, partition, "k", new byte[1])));
        sent.add(
            producer.send(new ProducerRecord<>(topic + ".rejected", partition, "k", new byte[1])));
      }
      for (Future<?> future : sent) {
        future.get(30, TimeUnit.SECONDS);
      }
      assertThat(retries(producer.metrics())).as("records the producer had to send again").isZero();
    }
  }

  private static double retries(Map<MetricName, ? extends Metric> metrics) {
    return metrics.entrySet().stream()
        .filter(e -> e.getKey().group().equals("producer-metrics"))
        .filter(e -> e.getKey().name().equals("record-retry-total"))
        .mapToDouble(e -> (Double) e.getValue().metricValue())
        .sum();
  }
}
