package io.meshgate.config.apply;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.event.KafkaClientConfig;
import java.time.Duration;
import java.util.Map;

/**
 * How an applier connects.
 *
 * @param bootstrapServers Kafka's {@code host:port} list
 * @param groupId the consumer group; every replica's applier shares {@link #GROUP}
 * @param clientId names this replica in Kafka's group membership
 * @param kafkaOverrides extra consumer and producer properties (e.g. session timeouts in tests)
 * @param etcdTimeout how long one etcd request may take before the applier pauses and retries
 * @param kafkaClient security and other client properties from {@code MESHGATE_KAFKA_CONFIG}, for
 *     the consumer, the rejected-topic producer and the topic admin
 */
public record ApplierSettings(
    String bootstrapServers,
    String groupId,
    String topic,
    String rejectedTopic,
    String clientId,
    Map<String, Object> kafkaOverrides,
    Duration etcdTimeout,
    KafkaClientConfig kafkaClient) {
  public static final String GROUP = "meshgate-appliers";

  public ApplierSettings {
    requireNonNull(bootstrapServers, "bootstrapServers");
    requireNonNull(groupId, "groupId");
    requireNonNull(topic, "topic");
    requireNonNull(rejectedTopic, "rejectedTopic");
    requireNonNull(clientId, "clientId");
    kafkaOverrides = Map.copyOf(kafkaOverrides);
    requireNonNull(etcdTimeout, "etcdTimeout");
    requireNonNull(kafkaClient, "kafkaClient");
  }

  /** The production topics and group, for {@code meshgate node}. */
  public static ApplierSettings defaults(String bootstrapServers, String clientId) {
    return new ApplierSettings(
        bootstrapServers,
        GROUP,
        ConfigEvent.TOPIC,
        ConfigEvent.REJECTED_TOPIC,
        clientId,
        Map.of(),
        Duration.ofSeconds(5),
        KafkaClientConfig.none());
  }

  public ApplierSettings withGroup(String newGroupId) {
    return new ApplierSettings(
        bootstrapServers,
        newGroupId,
        topic,
        rejectedTopic,
        clientId,
        kafkaOverrides,
        etcdTimeout,
        kafkaClient);
  }

  public ApplierSettings withKafkaOverrides(Map<String, Object> overrides) {
    return new ApplierSettings(
        bootstrapServers,
        groupId,
        topic,
        rejectedTopic,
        clientId,
        overrides,
        etcdTimeout,
        kafkaClient);
  }

  public ApplierSettings withClientId(String newClientId) {
    return new ApplierSettings(
        bootstrapServers,
        groupId,
        topic,
        rejectedTopic,
        newClientId,
        kafkaOverrides,
        etcdTimeout,
        kafkaClient);
  }

  public ApplierSettings withKafkaClient(KafkaClientConfig client) {
    return new ApplierSettings(
        bootstrapServers,
        groupId,
        topic,
        rejectedTopic,
        clientId,
        kafkaOverrides,
        etcdTimeout,
        client);
  }
}
