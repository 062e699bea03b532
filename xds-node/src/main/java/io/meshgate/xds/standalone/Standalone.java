package io.meshgate.xds.standalone;

import static java.util.Objects.requireNonNull;

import io.meshgate.embedded.KraftBroker;
import io.meshgate.embedded.LocalEtcd;
import java.nio.file.Path;

/**
 * A local meshgate on embedded defaults: a KRaft Kafka broker in this JVM and one etcd process,
 * both keeping their data under one directory so a restart finds the state it left.
 */
public final class Standalone implements AutoCloseable {
  private final KraftBroker kafka;
  private final LocalEtcd etcd;

  private Standalone(KraftBroker kafka, LocalEtcd etcd) {
    this.kafka = kafka;
    this.etcd = etcd;
  }

  /** Starts etcd, then Kafka; if Kafka fails, etcd is stopped again. */
  public static Standalone start(StandaloneSettings settings) {
    requireNonNull(settings, "settings");
    LocalEtcd etcd =
        LocalEtcd.builder()
            .dataDir(settings.dataDir().resolve("etcd"))
            .clientPort(settings.etcdClientPort())
            .peerPort(settings.etcdPeerPort())
            .build()
            .start();
    try {
      KraftBroker kafka =
          KraftBroker.builder()
              .dataDir(settings.dataDir().resolve("kafka"))
              .brokerPort(settings.kafkaPort())
              .controllerPort(settings.kafkaControllerPort())
              .build()
              .start();
      return new Standalone(kafka, etcd);
    } catch (RuntimeException e) {
      etcd.close();
      throw e;
    }
  }

  /** {@code host:port} for {@code MESHGATE_KAFKA}. */
  public String kafkaBootstrapServers() {
    return kafka.bootstrapServers();
  }

  /** {@code http://host:port} for {@code MESHGATE_ETCD}. */
  public String etcdEndpoints() {
    return etcd.endpoints();
  }

  public Path dataDir() {
    return etcd.dataDir().getParent();
  }

  @Override
  public void close() {
    try {
      kafka.close();
    } finally {
      etcd.close();
    }
  }
}
