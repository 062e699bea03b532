package io.meshgate.xds.cli;

import io.etcd.jetcd.Client;
import io.meshgate.config.event.KafkaClientConfig;
import io.meshgate.config.store.EtcdConnection;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Where Kafka and etcd are: every command that talks to the cluster mixes these in. */
final class ClusterOptions {
  @Option(
      names = "--kafka",
      descriptionKey = "kafka",
      defaultValue = "127.0.0.1:9092",
      description =
          "Kafka bootstrap servers, comma-separated (env MESHGATE_KAFKA; default ${DEFAULT-VALUE}).")
  String kafka;

  @Option(
      names = "--kafka-config",
      descriptionKey = "kafka-config",
      description =
          "A Kafka client properties file (security.protocol, sasl.*, ssl.*), as kafka-console-producer --producer.config takes (env MESHGATE_KAFKA_CONFIG).")
  @Nullable Path kafkaConfig;

  @Option(
      names = "--etcd",
      descriptionKey = "etcd",
      defaultValue = "http://127.0.0.1:2379",
      description =
          "etcd endpoints, comma-separated (env MESHGATE_ETCD; default ${DEFAULT-VALUE}).")
  String etcd;

  @Mixin EtcdAccessOptions etcdAccess;

  EtcdConnection etcdConnection() {
    return etcdAccess.connection(etcd);
  }

  /** The --kafka-config file's properties, or none. */
  KafkaClientConfig kafkaClient() {
    return kafkaConfig == null ? KafkaClientConfig.none() : KafkaClientConfig.load(kafkaConfig);
  }

  /** {@code --timeout}: how long to wait for Kafka, etcd and {@code --wait}. */
  Duration timeout() {
    return etcdAccess.timeout;
  }

  /** A client of {@code --etcd} that answered within {@code --timeout}; the caller closes it. */
  Client etcdClient() {
    return etcdAccess.client(etcd);
  }

  /** Returns when Kafka answers; throws {@link Reachability.Unreachable} when it does not. */
  void awaitKafka() {
    Reachability.kafka(kafka, kafkaClient(), timeout());
  }
}
