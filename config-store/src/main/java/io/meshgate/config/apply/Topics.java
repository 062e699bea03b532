package io.meshgate.config.apply;

import io.meshgate.config.event.KafkaClientConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the config topic (6 partitions) and the rejected topic when they are missing. A principal
 * that may read or write both topics sees them and creates nothing; creating them needs CREATE on
 * each topic (or on the cluster).
 */
public final class Topics {
  public static final int PARTITIONS = 6;

  private static final long RETRY_BACKOFF_MILLIS = 100;

  private Topics() {}

  /**
   * Replication is min(3, brokers): three where there are three, one on a laptop. Returns when
   * every partition's leader answers, so a publish right after it is not refused with
   * NOT_LEADER_OR_FOLLOWER: the broker learns it leads a new partition a moment after CreateTopics
   * returns, and the idempotent producer's retry of that first refusal has been seen to hang a
   * publish until its delivery timeout.
   */
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
      if (!missing.isEmpty()) {
        try {
          admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          // Another replica created it first.
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
      }
      awaitLeaders(admin, List.of(topic, rejectedTopic));
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

  /**
   * Asks each partition's leader for its end offset until all answer. Right after CreateTopics the
   * broker may not know the topic yet (UNKNOWN_TOPIC_OR_PARTITION) or not lead its partitions yet
   * (NOT_LEADER_OR_FOLLOWER); both are retriable and asked again, for at most 30 s.
   */
  private static void awaitLeaders(Admin admin, List<String> topics)
      throws ExecutionException, InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
        for (TopicDescription description :
            admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).values()) {
          for (TopicPartitionInfo partition : description.partitions()) {
            partitions.put(
                new TopicPartition(description.name(), partition.partition()), OffsetSpec.latest());
          }
        }
        admin.listOffsets(partitions).all().get(30, TimeUnit.SECONDS);
        return;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(RETRY_BACKOFF_MILLIS);
      }
    }
  }
}
