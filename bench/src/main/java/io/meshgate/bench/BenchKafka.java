package io.meshgate.bench;

import io.meshgate.config.event.KafkaClientConfig;
import io.meshgate.embedded.KraftBroker;
import io.meshgate.testkit.KafkaBroker;
import io.meshgate.testkit.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The broker a bench runs against and the client properties its clients take, chosen by {@code
 * BENCH_KAFKA_SECURITY}: {@code plaintext} (the default, the baseline) or {@code sasl_ssl}, a
 * SASL_SSL listener (SCRAM-SHA-512, ACLs) whose properties file the bench's own clients load with
 * {@link KafkaClientConfig#load} and a launched replica takes as {@code --kafka-config}, as in
 * production.
 *
 * @param propertiesFile the client properties file; empty for plaintext
 */
public record BenchKafka(
    String bootstrapServers,
    KafkaClientConfig client,
    Optional<Path> propertiesFile,
    AutoCloseable running)
    implements AutoCloseable {

  /** The broker {@code BENCH_KAFKA_SECURITY} asks for. */
  public static BenchKafka fromEnvironment() throws Exception {
    String security = System.getenv().getOrDefault("BENCH_KAFKA_SECURITY", "plaintext");
    return switch (security.toLowerCase(java.util.Locale.ROOT)) {
      case "plaintext", "" -> plaintext();
      case "sasl_ssl" -> saslSsl();
      default ->
          throw new IllegalArgumentException(
              "BENCH_KAFKA_SECURITY must be plaintext or sasl_ssl, not " + security);
    };
  }

  /** What the bench's report says about the broker. */
  public String describe() {
    return propertiesFile.isPresent() ? "SASL_SSL (SCRAM-SHA-512, ACLs)" : "PLAINTEXT";
  }

  private static BenchKafka plaintext() {
    KraftBroker kafka = KraftBroker.startOnFreePorts();
    return new BenchKafka(
        kafka.bootstrapServers(), KafkaClientConfig.none(), Optional.empty(), kafka);
  }

  /** A broker with a SASL_SSL listener; the bench's user may do anything but administer it. */
  private static BenchKafka saslSsl() throws Exception {
    Path dir = Files.createTempDirectory("meshgate-bench-kafka-");
    TestPki pki = TestPki.create(dir);
    KafkaBroker kafka = KafkaBroker.secured(pki).start();
    kafka.createScramUser("bench", "bench-secret");
    List<AclBinding> acls = new ArrayList<>();
    for (ResourceType type : List.of(ResourceType.TOPIC, ResourceType.GROUP)) {
      acls.add(
          new AclBinding(
              new ResourcePattern(type, "*", PatternType.LITERAL),
              new AccessControlEntry(
                  "User:bench", "*", AclOperation.ALL, AclPermissionType.ALLOW)));
    }
    try (Admin admin = kafka.admin()) {
      admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (admin.describeAcls(AclBindingFilter.ANY).values().get().size() < acls.size()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the bench's ACLs are not in force after 30 s");
        }
        Thread.onSpinWait();
      }
    }
    Path properties = dir.resolve("kafka.properties");
    Files.writeString(
        properties,
        "security.protocol=SASL_SSL\n"
            + "sasl.mechanism=SCRAM-SHA-512\n"
            + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required"
            + " username=\"bench\" password=\"bench-secret\";\n"
            + "ssl.truststore.type=PEM\n"
            + "ssl.truststore.location="
            + pki.caCertificate()
            + "\n");
    Files.setPosixFilePermissions(properties, PosixFilePermissions.fromString("rw-------"));
    return new BenchKafka(
        kafka.bootstrapServers(KafkaBroker.SASL_SSL),
        KafkaClientConfig.load(properties),
        Optional.of(properties),
        kafka);
  }

  @Override
  public void close() throws Exception {
    running.close();
  }
}
