package io.meshgate.xds.standalone;

import static java.util.Objects.requireNonNull;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.meshgate.config.apply.Applier;
import io.meshgate.config.apply.ApplierSettings;
import io.meshgate.config.apply.Planner;
import io.meshgate.config.seal.SealKeyPair;
import io.meshgate.config.seal.SealKeys;
import io.meshgate.config.store.Keyspace;
import io.meshgate.embedded.KraftBroker;
import io.meshgate.embedded.LocalEtcd;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A local meshgate on embedded defaults: a KRaft Kafka broker in this JVM, one etcd process, and
 * one replica's applier, all keeping their data under one directory so a restart finds the state it
 * left. On first start it creates the cluster's sealing key pair in {@code seal/} and publishes the
 * public key, so {@code meshgate seal} works at once.
 */
public final class Standalone implements AutoCloseable {
  private final KraftBroker kafka;
  private final LocalEtcd etcd;
  private final Client etcdClient;
  private final Applier applier;
  private final Path sealDir;

  private Standalone(
      KraftBroker kafka, LocalEtcd etcd, Client etcdClient, Applier applier, Path sealDir) {
    this.kafka = kafka;
    this.etcd = etcd;
    this.etcdClient = etcdClient;
    this.applier = applier;
    this.sealDir = sealDir;
  }

  /**
   * Starts etcd, Kafka and the applier; whatever started is stopped again if a later part fails.
   */
  public static Standalone start(StandaloneSettings settings) {
    requireNonNull(settings, "settings");
    List<AutoCloseable> started = new ArrayList<>();
    try {
      LocalEtcd etcd =
          LocalEtcd.builder()
              .dataDir(settings.dataDir().resolve("etcd"))
              .clientPort(settings.etcdClientPort())
              .peerPort(settings.etcdPeerPort())
              .build()
              .start();
      started.add(etcd);
      KraftBroker kafka =
          KraftBroker.builder()
              .dataDir(settings.dataDir().resolve("kafka"))
              .brokerPort(settings.kafkaPort())
              .controllerPort(settings.kafkaControllerPort())
              .build()
              .start();
      started.add(kafka);
      Client client = Client.builder().endpoints(etcd.endpoints().split(",")).build();
      started.add(client);
      Path sealDir = settings.dataDir().resolve("seal");
      ensureSealKey(sealDir, client);
      Applier applier =
          new Applier(
                  ApplierSettings.defaults(kafka.bootstrapServers(), "standalone"),
                  client,
                  new Planner(Clock.systemUTC(), () -> UUID.randomUUID().toString()),
                  Applier.Hooks.NONE)
              .start();
      return new Standalone(kafka, etcd, client, applier, sealDir);
    } catch (RuntimeException e) {
      closeAll(started);
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

  /** The private sealing key, for {@code MESHGATE_SEAL_KEY}. */
  public Path sealKey() {
    return sealDir.resolve(SealKeyPair.PRIVATE_FILE);
  }

  @Override
  public void close() {
    closeAll(List.of(etcd, kafka, etcdClient, applier));
  }

  /** Closes in reverse order of starting, each even if another fails. */
  private static void closeAll(List<AutoCloseable> started) {
    RuntimeException first = null;
    for (int i = started.size() - 1; i >= 0; i--) {
      try {
        started.get(i).close();
      } catch (Exception e) {
        if (first == null) {
          first = new IllegalStateException("stopping standalone: " + e.getMessage(), e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private static void ensureSealKey(Path sealDir, Client client) {
    try {
      Path publicFile = sealDir.resolve(SealKeyPair.PUBLIC_FILE);
      if (!Files.exists(publicFile)) {
        SealKeyPair.generate().writeTo(sealDir);
      }
      String pem = SealKeys.publicPem(SealKeys.readPublic(publicFile));
      client
          .getKVClient()
          .put(
              ByteSequence.from(Keyspace.SEAL_PUBLIC, StandardCharsets.UTF_8),
              ByteSequence.from(pem, StandardCharsets.UTF_8))
          .get(30, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the sealing key in " + sealDir, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot publish the sealing key to etcd: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted publishing the sealing key", e);
    }
  }
}
