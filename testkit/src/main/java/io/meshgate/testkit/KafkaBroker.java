package io.meshgate.testkit;

import io.meshgate.embedded.KraftBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * A real Kafka broker for a test class: {@code @RegisterExtension static KafkaBroker kafka =
 * KafkaBroker.create();}
 *
 * <p>{@link #create()} uses, in order: the broker at {@code MESHGATE_TEST_KAFKA=host:port}; a
 * Testcontainers Kafka where a Docker engine answers; else a KRaft broker inside the test JVM.
 * {@link #embedded()} always takes the in-JVM broker, the only one a test can stop and restart.
 *
 * <p>The broker accepts session timeouts down to 500 ms, and {@link #consumerConfig} asks for 3 s
 * with the classic group protocol, so tests that crash or rebalance consumers don't wait out the 45
 * s default.
 */
public final class KafkaBroker implements BeforeAllCallback, AfterAllCallback, AutoCloseable {
  /** Where the broker runs. */
  public enum Kind {
    IN_JVM,
    CONTAINER,
    EXTERNAL
  }

  static final String EXTERNAL_ENV = "MESHGATE_TEST_KAFKA";
  private static final String CONTAINER_IMAGE = "apache/kafka:4.1.1";

  /** The SSL listener of {@link #secured}: client certificates required, their CN the principal. */
  public static final String SSL = "SSL";

  /** The SASL_SSL listener of {@link #secured}: SCRAM-SHA-512 users ({@link #createScramUser}). */
  public static final String SASL_SSL = "SASL_SSL";

  private final Kind kind;
  private final UnaryOperator<KraftBroker.Builder> configure;
  private KraftBroker inJvm;
  private KafkaContainer container;
  private String bootstrapServers;

  private KafkaBroker(Kind kind) {
    this(kind, builder -> builder);
  }

  private KafkaBroker(Kind kind, UnaryOperator<KraftBroker.Builder> configure) {
    this.kind = kind;
    this.configure = configure;
  }

  /** The best broker this machine offers; see the class comment. */
  public static KafkaBroker create() {
    String external = System.getenv(EXTERNAL_ENV);
    if (external != null && !external.isBlank()) {
      KafkaBroker broker = new KafkaBroker(Kind.EXTERNAL);
      broker.bootstrapServers = external.trim();
      return broker;
    }
    return new KafkaBroker(dockerAnswers() ? Kind.CONTAINER : Kind.IN_JVM);
  }

  /** A KRaft broker inside this JVM, which {@link #stop()} and {@link #start()} can cycle. */
  public static KafkaBroker embedded() {
    return new KafkaBroker(Kind.IN_JVM);
  }

  /**
   * An in-JVM broker with ACLs ({@code StandardAuthorizer}) and, besides PLAINTEXT, two listeners
   * using a server certificate from {@code pki}: {@link #SSL}, which requires a client certificate
   * signed by {@code pki} and takes its CN as the principal ({@code User:<CN>}), and {@link
   * #SASL_SSL} with SCRAM-SHA-512, PLAIN (one user, {@link #PLAIN_USER}) and OAUTHBEARER (Kafka's
   * unsecured JWS tokens: the principal is the token's {@code sub}, no signature checked, for tests
   * only). The PLAINTEXT listener (loopback; the broker and controller talk over it) is the super
   * user {@code User:ANONYMOUS}, so {@link #admin()} may do anything.
   */
  public static KafkaBroker secured(TestPki pki) {
    TestPki.Issued server = pki.server("kafka", "127.0.0.1", "localhost");
    String chain = read(server.certificate());
    String key = read(server.privateKey());
    String ca = read(pki.caCertificate());
    return new KafkaBroker(
        Kind.IN_JVM,
        builder ->
            builder
                .listener(SSL, "SSL")
                .listener(SASL_SSL, "SASL_SSL")
                .property("ssl.keystore.type", "PEM")
                .property("ssl.keystore.certificate.chain", chain)
                .property("ssl.keystore.key", key)
                .property("ssl.truststore.type", "PEM")
                .property("ssl.truststore.certificates", ca)
                .property("listener.name.ssl.ssl.client.auth", "required")
                .property("ssl.principal.mapping.rules", "RULE:^CN=([^,]+)$/$1/,DEFAULT")
                .property("sasl.enabled.mechanisms", "SCRAM-SHA-512,PLAIN,OAUTHBEARER")
                .property(
                    "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;")
                .property(
                    "listener.name.sasl_ssl.plain.sasl.jaas.config",
                    "org.apache.kafka.common.security.plain.PlainLoginModule required"
                        + " user_"
                        + PLAIN_USER
                        + "=\""
                        + PLAIN_PASSWORD
                        + "\";")
                .property(
                    "listener.name.sasl_ssl.oauthbearer.sasl.jaas.config",
                    "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule"
                        + " required;")
                .property(
                    "authorizer.class.name",
                    "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .property("super.users", "User:ANONYMOUS"));
  }

  /** The one PLAIN user of {@link #secured}'s SASL_SSL listener, and its password. */
  public static final String PLAIN_USER = "publisher-plain";

  public static final String PLAIN_PASSWORD = "plain-secret";

  /** {@code host:port} of a listener of {@link #secured}: {@link #SSL} or {@link #SASL_SSL}. */
  public String bootstrapServers(String listener) {
    requireInJvm("bootstrapServers(listener)");
    return inJvm.bootstrapServers(listener);
  }

  /**
   * Creates or replaces a SCRAM-SHA-512 user, and returns once the broker knows it (so a client may
   * authenticate as it at once).
   */
  public void createScramUser(String user, String password) {
    try (Admin admin = admin()) {
      admin
          .alterUserScramCredentials(
              List.of(
                  new UserScramCredentialUpsertion(
                      user, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password)))
          .all()
          .get(30, TimeUnit.SECONDS);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!admin
          .describeUserScramCredentials(List.of(user))
          .all()
          .get(30, TimeUnit.SECONDS)
          .containsKey(user)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("SCRAM user " + user + " not visible after 30 s");
        }
        Thread.onSpinWait();
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot create SCRAM user " + user, e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("cannot create SCRAM user " + user, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted creating SCRAM user " + user, e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public Kind kind() {
    return kind;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  /** Starts the broker, or starts it again on the same port and data after {@link #stop()}. */
  public synchronized KafkaBroker start() {
    switch (kind) {
      case EXTERNAL -> {}
      case IN_JVM -> {
        if (inJvm == null) {
          inJvm =
              configure
                  .apply(KraftBroker.builder().property("group.min.session.timeout.ms", "500"))
                  .build();
        }
        inJvm.start();
        bootstrapServers = inJvm.bootstrapServers();
      }
      case CONTAINER -> {
        if (container == null) {
          container =
              new KafkaContainer(CONTAINER_IMAGE)
                  .withEnv("KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS", "500")
                  .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false");
          container.start();
          bootstrapServers = container.getBootstrapServers();
        }
      }
    }
    return this;
  }

  /** Shuts the in-JVM broker down cleanly, keeping its data; {@link #start()} brings it back. */
  public synchronized void stop() {
    requireInJvm("stop");
    inJvm.stop();
  }

  public synchronized boolean isRunning() {
    return switch (kind) {
      case IN_JVM -> inJvm != null && inJvm.isRunning();
      case CONTAINER -> container != null && container.isRunning();
      case EXTERNAL -> true;
    };
  }

  public String bootstrapServers() {
    if (bootstrapServers == null) {
      throw new IllegalStateException("broker not started; register it as an extension first");
    }
    return bootstrapServers;
  }

  /** Idempotent producer settings with acks=all and byte-array values. */
  public Map<String, Object> producerConfig() {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
    return config;
  }

  /**
   * Consumer settings for a group: classic protocol with a 3 s session, manual commits, reading
   * from the earliest offset, string keys and byte-array values.
   */
  public Map<String, Object> consumerConfig(String groupId) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    config.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
    config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 3_000);
    config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return config;
  }

  public Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
  }

  /** Creates a topic (replication 1) unless it exists. */
  public void createTopic(String name, int partitions) {
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("cannot create topic " + name, e.getCause());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted creating topic " + name, e);
    }
  }

  /** A topic name no other test uses, for tests sharing an external broker. */
  public static String uniqueTopic(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  public Set<String> topics() {
    try (Admin admin = admin()) {
      return admin.listTopics().names().get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot list topics", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted listing topics", e);
    }
  }

  @Override
  public synchronized void close() {
    if (inJvm != null) {
      inJvm.close();
      inJvm = null;
    }
    if (container != null) {
      container.stop();
      container = null;
    }
  }

  private void requireInJvm(String operation) {
    if (kind != Kind.IN_JVM) {
      throw new UnsupportedOperationException(
          operation + " needs the in-JVM broker (KafkaBroker.embedded()); this one is " + kind);
    }
    if (inJvm == null) {
      throw new IllegalStateException("broker not started");
    }
  }

  /**
   * Asks Testcontainers only when a Docker socket or DOCKER_HOST exists, so machines without an
   * engine don't pay for its discovery strategies.
   */
  private static boolean dockerAnswers() {
    boolean hint =
        System.getenv("DOCKER_HOST") != null || Files.exists(Path.of("/var/run/docker.sock"));
    if (!hint) {
      return false;
    }
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException e) {
      return false;
    }
  }
}
