package io.meshgate.config.apply;

import io.meshgate.config.event.KafkaClientConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the config topic (6 partitions) and the rejected topic when they are missing. A principal
 * that may read or write both topics sees them and creates nothing; creating them needs CREATE on
 * each topic (or on the cluster).
 */
public final class Topics {
  public static final int PARTITIONS = 6;

  private Topics() {}

  /** Replication is min(3, brokers): three where there are three, one on a laptop. */
  public static void ensure(
      String bootstrapServers, KafkaClientConfig client, String topic, String rejectedTopic) {
    try (Admin admin =
        Admin.create(
            client.over(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers)))) {
      int brokers = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size();
      short replication = (short) Math.max(1, Math.min(3, brokers));
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<NewTopic> missing = new ArrayList<>();
      if (!existing.contains(topic)) {
        missing.add(new NewTopic(topic, PARTITIONS, replication));
      }
      if (!existing.contains(rejectedTopic)) {
        missing.add(new NewTopic(rejectedTopic, PARTITIONS, replication));
      }
      if (missing.isEmpty()) {
        return;
      }
      try {
        admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        // Another replica created it first.
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
      }
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "cannot create Kafka topics "
              + topic
              + " and "
              + rejectedTopic
              + " at "
              + bootstrapServers
              + ": "
              + e,
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted creating Kafka topics", e);
    }
  }
}
