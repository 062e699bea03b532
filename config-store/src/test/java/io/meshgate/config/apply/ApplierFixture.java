package io.meshgate.config.apply;

import io.etcd.jetcd.Client;
import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.event.EventEncoder;
import io.meshgate.config.event.KafkaClientConfig;
import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.DnsSource;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.config.model.Resource;
import io.meshgate.config.store.StoreReader;
import io.meshgate.testkit.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * One test's topic, producer and appliers, isolated from other tests on the same broker and etcd.
 */
final class ApplierFixture implements AutoCloseable {
  final String topic = "config-" + UUID.randomUUID().toString().substring(0, 8);
  final String rejectedTopic = topic + ".rejected";

  /** Resource keys are global in etcd: each test works in a namespace of its own. */
  final String ns = "t" + UUID.randomUUID().toString().substring(0, 8);

  final KafkaBroker kafka;
  final Client etcd;
  final StoreReader reader;
  final EventEncoder encoder = EventEncoder.forSource("meshgate-test");
  private final KafkaProducer<String, byte[]> producer;
  private final List<Applier> appliers = new java.util.concurrent.CopyOnWriteArrayList<>();

  ApplierFixture(KafkaBroker kafka, Client etcd) {
    this.kafka = kafka;
    this.etcd = etcd;
    this.reader = new StoreReader(etcd, Duration.ofSeconds(10));
    kafka.createTopic(topic, 6);
    kafka.createTopic(rejectedTopic, 1);
    this.producer = new KafkaProducer<>(kafka.producerConfig());
  }

  ApplierSettings settings(String clientId) {
    return new ApplierSettings(
            kafka.bootstrapServers(),
            "appliers-" + topic,
            topic,
            rejectedTopic,
            clientId,
            Map.of(),
            Duration.ofSeconds(3),
            KafkaClientConfig.none())
        .withKafkaOverrides(
            Map.of(
                ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic",
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 3_000,
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500));
  }

  Applier start(String clientId, Applier.Hooks hooks) {
    return start(clientId, hooks, planner(EtcdLimits.defaults()));
  }

  /** An applier that plans within these limits. */
  Applier start(String clientId, EtcdLimits limits) {
    return start(clientId, Applier.Hooks.NONE, planner(limits));
  }

  Applier start(String clientId, Applier.Hooks hooks, Planner planner) {
    Applier applier = new Applier(settings(clientId), etcd, planner, hooks);
    appliers.add(applier);
    return applier.start();
  }

  static Planner planner(EtcdLimits limits) {
    return new Planner(
        Clock.systemUTC(), () -> UUID.randomUUID().toString(), Planner.DEFAULT_HISTORY, limits);
  }

  Applier start(String clientId) {
    return start(clientId, Applier.Hooks.NONE);
  }

  static Resource backend(String namespace, String name, String hostname) {
    return Resource.of(
        Kind.BACKEND,
        ObjectMeta.of(namespace, name),
        new BackendSpec(null, null, null, null, new DnsSource(hostname, 443), null, null));
  }

  /** A record read back from Kafka, as the applier receives it (for replays). */
  static IncomingRecord incoming(
      org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]> record) {
    Map<String, String> headers = new java.util.LinkedHashMap<>();
    record
        .headers()
        .forEach(h -> headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8)));
    return new IncomingRecord(
        record.topic(),
        record.partition(),
        record.offset(),
        record.timestamp(),
        record.key(),
        headers,
        record.value());
  }

  ConfigEvent publish(ConfigEvent event) {
    send(event.key(), event.headers(), event.value());
    return event;
  }

  /** Publishes one record and returns where it landed and its timestamp. */
  RecordMetadata send(String key, Map<String, String> headers, byte[] value) {
    ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
    headers.forEach(
        (k, v) -> record.headers().add(new RecordHeader(k, v.getBytes(StandardCharsets.UTF_8))));
    try {
      return producer.send(record).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot publish", e);
    }
  }

  @Override
  public void close() {
    appliers.forEach(Applier::close);
    producer.close();
  }
}
