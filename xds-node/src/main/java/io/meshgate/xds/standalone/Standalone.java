package io.meshgate.xds.standalone;

import static java.util.Objects.requireNonNull;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.meshgate.config.codec.Document;
import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.event.EventEncoder;
import io.meshgate.config.event.EventPublisher;
import io.meshgate.config.seal.SealKeyPair;
import io.meshgate.config.seal.SealKeys;
import io.meshgate.config.store.EtcdConnection;
import io.meshgate.config.store.Keyspace;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import io.meshgate.edge.ratelimit.RlsServer;
import io.meshgate.embedded.KraftBroker;
import io.meshgate.embedded.LocalEtcd;
import io.meshgate.xds.node.BodyTransformation;
import io.meshgate.xds.node.NodeSettings;
import io.meshgate.xds.node.RateLimitSettings;
import io.meshgate.xds.node.SignatureSettings;
import io.meshgate.xds.node.XdsNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A local meshgate on embedded defaults: a KRaft Kafka broker in this JVM, one etcd process, and
 * one xds-node replica (applier, translation, ADS on 127.0.0.1:18000, admin on 127.0.0.1:19000),
 * all keeping their data under one directory so a restart finds the state it left. On first start
 * it creates the cluster's sealing key pair in {@code seal/}, publishes the public key, and applies
 * the examples of {@code deploy/examples/} (a proxyless echo service and a gateway).
 */
public final class Standalone implements AutoCloseable {
  private final KraftBroker kafka;
  private final LocalEtcd etcd;
  private final Client etcdClient;
  private final XdsNode node;
  private final Path sealDir;
  private final EtcdConnection etcdConnection;

  private Standalone(
      KraftBroker kafka,
      LocalEtcd etcd,
      Client etcdClient,
      XdsNode node,
      Path sealDir,
      EtcdConnection etcdConnection) {
    this.kafka = kafka;
    this.etcd = etcd;
    this.etcdClient = etcdClient;
    this.node = node;
    this.sealDir = sealDir;
    this.etcdConnection = etcdConnection;
  }

  /**
   * Starts etcd, Kafka and the replica; whatever started is stopped again if a later part fails.
   */
  public static Standalone start(StandaloneSettings settings) {
    requireNonNull(settings, "settings");
    List<AutoCloseable> started = new ArrayList<>();
    try {
      LocalEtcd.Builder etcdBuilder =
          LocalEtcd.builder()
              .dataDir(settings.dataDir().resolve("etcd"))
              .clientPort(settings.etcdClientPort())
              .peerPort(settings.etcdPeerPort())
              .stoppedByOwner(); // after the replica: StandaloneCommand's shutdown hook closes all
      EtcdPki pki = null;
      if (settings.etcdAccess() == StandaloneSettings.EtcdAccess.MUTUAL_TLS) {
        pki = EtcdPki.ensure(settings.dataDir().resolve("etcd-pki"));
        etcdBuilder.serverCertificate(pki.serverCertificate(), pki.serverKey());
        etcdBuilder.clientCertificatesFrom(pki.ca());
      }
      LocalEtcd etcd = etcdBuilder.build().start();
      started.add(etcd);
      EtcdConnection connection =
          pki == null
              ? EtcdConnection.plaintext(etcd.endpoints())
              : EtcdConnection.plaintext(etcd.endpoints())
                  .withCa(pki.ca())
                  .withClientCertificate(pki.clientCertificate(), pki.clientKey());
      KraftBroker kafka =
          KraftBroker.builder()
              .dataDir(settings.dataDir().resolve("kafka"))
              .brokerPort(settings.kafkaPort())
              .controllerPort(settings.kafkaControllerPort())
              .build()
              .start();
      started.add(kafka);
      Client client = connection.connect();
      started.add(client);
      Path sealDir = settings.dataDir().resolve("seal");
      ensureSealKey(sealDir, client);
      boolean firstStart = isEmpty(client);
      NodeSettings.Builder node =
          NodeSettings.builder(kafka.bootstrapServers(), etcd.endpoints(), "standalone")
              .xdsAddress(new InetSocketAddress("127.0.0.1", settings.xdsPort()))
              .adminAddress(new InetSocketAddress("127.0.0.1", settings.adminPort()))
              .sealKey(sealDir.resolve(SealKeyPair.PRIVATE_FILE))
              .etcdConnection(connection)
              // The edge services as a node takes them from the environment.
              .rateLimit(
                  RateLimitSettings.of(
                      System.getenv(),
                      System.getenv()
                          .getOrDefault(RlsServer.ADDRESS_ENV, RlsServer.DEFAULT_ADDRESS),
                      System.getenv("MESHGATE_RLS_ENDPOINTS")))
              .signatures(SignatureSettings.fromEnvironment(System.getenv()));
      BodyTransformation.addressFromEnvironment(System.getenv()).ifPresent(node::bodyTransform);
      XdsNode replica = XdsNode.start(node.build());
      started.add(replica);
      if (settings.examples() && firstStart) {
        publishExamples(kafka.bootstrapServers());
      }
      return new Standalone(kafka, etcd, client, replica, sealDir, connection);
    } catch (RuntimeException e) {
      closeAll(started);
      throw e;
    }
  }

  /** {@code host:port} for {@code MESHGATE_KAFKA}. */
  public String kafkaBootstrapServers() {
    return kafka.bootstrapServers();
  }

  /** How the CLI reaches this etcd: its endpoints, and with TLS the CA and a client certificate. */
  public EtcdConnection etcdConnection() {
    return etcdConnection;
  }

  /** {@code http://host:port} (or {@code https://}) for {@code MESHGATE_ETCD}. */
  public String etcdEndpoints() {
    return etcd.endpoints();
  }

  public Path dataDir() {
    return etcd.dataDir().getParent();
  }

  public InetSocketAddress xdsAddress() {
    return node.xdsAddress();
  }

  public InetSocketAddress adminAddress() {
    return node.adminAddress();
  }

  /** Where CSDS is served (127.0.0.1:19001 by default). */
  public Optional<InetSocketAddress> adminGrpcAddress() {
    return node.adminGrpcAddress();
  }

  public XdsNode node() {
    return node;
  }

  /** The private sealing key, for {@code MESHGATE_SEAL_KEY}. */
  public Path sealKey() {
    return sealDir.resolve(SealKeyPair.PRIVATE_FILE);
  }

  @Override
  public void close() {
    closeAll(List.of(etcd, kafka, etcdClient, node));
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

  /** The examples shipped in the jar (copied from deploy/examples at build time). */
  static final String EXAMPLES = "/io/meshgate/xds/standalone/examples/echo.yaml";

  private static boolean isEmpty(Client client) {
    try {
      return client
              .getKVClient()
              .get(
                  ByteSequence.from(Keyspace.resourcesPrefix(), StandardCharsets.UTF_8),
                  GetOption.builder().isPrefix(true).withCountOnly(true).build())
              .get(30, TimeUnit.SECONDS)
              .getCount()
          == 0;
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot read etcd: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted reading etcd", e);
    }
  }

  private static void publishExamples(String bootstrapServers) {
    String yaml;
    try (InputStream in = Standalone.class.getResourceAsStream(EXAMPLES)) {
      if (in == null) {
        throw new IllegalStateException("the examples are missing from the jar: " + EXAMPLES);
      }
      yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    EventEncoder encoder = EventEncoder.forSource("meshgate-standalone/examples");
    List<ConfigEvent> events = new ArrayList<>();
    for (Document document : YamlDocuments.read(EXAMPLES, yaml)) {
      Validation validation = ResourceValidator.get().validate(document.tree());
      if (validation instanceof Validation.Valid valid) {
        events.add(encoder.applied(valid.resource(), OptionalLong.empty()));
      }
    }
    try (EventPublisher publisher =
        new EventPublisher(bootstrapServers, Duration.ofSeconds(30), Map.of())) {
      publisher.publish(events);
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
