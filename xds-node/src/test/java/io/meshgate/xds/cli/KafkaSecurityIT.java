package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshgate.config.apply.Applier;
import io.meshgate.config.apply.ApplierSettings;
import io.meshgate.config.apply.Planner;
import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.event.KafkaClientConfig;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import io.meshgate.testkit.TestPki;
import io.meshgate.xds.node.NodeSettings;
import io.meshgate.xds.node.XdsNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * meshgate against a broker that authenticates and authorizes: SASL_SSL with SCRAM-SHA-512 users,
 * SSL with client certificates (CN = principal), ACLs through StandardAuthorizer. The applier's
 * principals may read meshgate.config, use the group meshgate-appliers and write
 * meshgate.config.rejected; the publishers' may only write meshgate.config. Every client is
 * configured the way an operator would: a properties file.
 */
class KafkaSecurityIT {
  private static final Path DIR = tempDir();
  private static final TestPki PKI = TestPki.create(DIR.resolve("pki"));

  @RegisterExtension static KafkaBroker kafka = KafkaBroker.secured(PKI);
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  private static Path plainPublisher;
  private static Path oauthPublisher;
  private static Path storesPublisher;
  private static Path saslApplier;
  private static Path saslPublisher;
  private static Path sslApplier;
  private static Path sslPublisher;

  @BeforeAll
  static void principalsAndAcls() throws Exception {
    kafka.createTopic(ConfigEvent.TOPIC, 6);
    kafka.createTopic(ConfigEvent.REJECTED_TOPIC, 6);
    kafka.createScramUser("applier", "applier-secret");
    kafka.createScramUser("publisher", "publisher-secret");
    List<AclBinding> acls = new ArrayList<>();
    for (String applier : List.of("applier", "meshgate-applier")) {
      acls.add(allow(applier, ResourceType.TOPIC, ConfigEvent.TOPIC, AclOperation.READ));
      acls.add(allow(applier, ResourceType.GROUP, ApplierSettings.GROUP, AclOperation.READ));
      acls.add(allow(applier, ResourceType.TOPIC, ConfigEvent.REJECTED_TOPIC, AclOperation.WRITE));
    }
    for (String publisher :
        List.of("publisher", "meshgate-publisher", KafkaBroker.PLAIN_USER, "publisher-oauth")) {
      acls.add(allow(publisher, ResourceType.TOPIC, ConfigEvent.TOPIC, AclOperation.WRITE));
    }
    try (Admin admin = kafka.admin()) {
      admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
      // The broker's authorizer answers DescribeAcls: once it lists them, they are in force.
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () -> admin.describeAcls(AclBindingFilter.ANY).values().get().size() == acls.size());
    }

    String truststore = "ssl.truststore.type=PEM\nssl.truststore.location=" + PKI.caCertificate();
    saslApplier = properties("sasl-applier", sasl("applier", "applier-secret") + truststore);
    saslPublisher =
        properties("sasl-publisher", sasl("publisher", "publisher-secret") + truststore);

    // The applier's key and certificate in one PEM file; the publisher's inline.
    TestPki.Issued applierCert = PKI.client("meshgate-applier");
    Path applierPem = DIR.resolve("applier.pem");
    Files.writeString(
        applierPem,
        Files.readString(applierCert.privateKey()) + Files.readString(applierCert.certificate()));
    sslApplier =
        properties(
            "ssl-applier",
            "security.protocol=SSL\nssl.keystore.type=PEM\nssl.keystore.location="
                + applierPem
                + "\n"
                + truststore);
    plainPublisher =
        properties(
            "plain-publisher",
            "security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n"
                + "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required"
                + " username=\""
                + KafkaBroker.PLAIN_USER
                + "\" password=\""
                + KafkaBroker.PLAIN_PASSWORD
                + "\";\n"
                + truststore);
    oauthPublisher =
        properties(
            "oauth-publisher",
            "security.protocol=SASL_SSL\nsasl.mechanism=OAUTHBEARER\n"
                + "sasl.jaas.config="
                + "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required"
                + " unsecuredLoginStringClaim_sub=\"publisher-oauth\";\n"
                + truststore);
    TestPki.Issued publisherCert = PKI.client("meshgate-publisher");
    char[] storePassword = "store-secret".toCharArray();
    storesPublisher =
        properties(
            "stores-publisher",
            "security.protocol=SSL\nssl.keystore.type=PKCS12\nssl.keystore.location="
                + PKI.keyStore(publisherCert, "PKCS12", storePassword)
                + "\nssl.keystore.password=store-secret\nssl.key.password=store-secret\n"
                + "ssl.truststore.type=JKS\nssl.truststore.location="
                + PKI.trustStore("JKS", storePassword)
                + "\nssl.truststore.password=store-secret\n");
    sslPublisher =
        properties(
            "ssl-publisher",
            "security.protocol=SSL\nssl.keystore.type=PEM\nssl.keystore.certificate.chain="
                + oneLine(publisherCert.certificate())
                + "\nssl.keystore.key="
                + oneLine(publisherCert.privateKey())
                + "\n"
                + truststore);
  }

  @Test
  void anApplierOverSaslSslAppliesWhatAScramPublisherPublished() throws Exception {
    // given
    try (XdsNode node = node("sasl", kafka.bootstrapServers(KafkaBroker.SASL_SSL), saslApplier)) {
      await().atMost(Duration.ofSeconds(20)).until(node::ready);

      // when
      CliRun run =
          apply(kafka.bootstrapServers(KafkaBroker.SASL_SSL), saslPublisher, backend("sasl"));

      // then
      assertThat(run.exit()).as(run.out() + run.err()).isZero();
      assertThat(run.out()).contains("Accepted");
      assertThat(node.notReadyReason()).isEmpty();
    }
  }

  @Test
  void anApplierOverSslAppliesWhatAPublisherWithAClientCertificatePublished() throws Exception {
    // given
    try (XdsNode node = node("ssl", kafka.bootstrapServers(KafkaBroker.SSL), sslApplier)) {
      await().atMost(Duration.ofSeconds(20)).until(node::ready);

      // when: the properties file from the environment this time, not --kafka-config
      CliRun run =
          CliRun.run(
              Map.of(
                  "MESHGATE_KAFKA",
                  kafka.bootstrapServers(KafkaBroker.SSL),
                  "MESHGATE_KAFKA_CONFIG",
                  sslPublisher.toString(),
                  "MESHGATE_ETCD",
                  etcd.endpointList()),
              DIR.resolve("no-config.yaml"),
              "apply",
              "-f",
              backend("ssl").toString(),
              "--timeout",
              "15s",
              "--wait");

      // then
      assertThat(run.exit()).as(run.out() + run.err()).isZero();
      assertThat(run.out()).contains("Accepted");
    }
  }

  /** Mechanisms and store formats besides SCRAM and PEM, each as a publisher's properties file. */
  static Stream<Arguments> otherPublishers() {
    return Stream.of(
        Arguments.of("SASL PLAIN", KafkaBroker.SASL_SSL, plainPublisher),
        Arguments.of("SASL OAUTHBEARER (unsecured JWS)", KafkaBroker.SASL_SSL, oauthPublisher),
        Arguments.of("SSL, PKCS12 key store, JKS trust store", KafkaBroker.SSL, storesPublisher));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("otherPublishers")
  void aPublisherWithAnotherMechanismOrStoreFormatGetsItsEventApplied(
      String how, String listener, Path publisher) throws Exception {
    // given
    try (XdsNode node = node("other", kafka.bootstrapServers(KafkaBroker.SASL_SSL), saslApplier)) {
      await().atMost(Duration.ofSeconds(20)).until(node::ready);

      // when
      CliRun run = apply(kafka.bootstrapServers(listener), publisher, backend("other"));

      // then
      assertThat(run.exit()).as(how + ": " + run.out() + run.err()).isZero();
      assertThat(run.out()).contains("Accepted");
    }
  }

  @Test
  void aPublisherWithAWrongPasswordExitsOneWithTheBrokersReason() throws Exception {
    // given
    Path wrong =
        properties(
            "wrong-password",
            sasl("publisher", "not-the-password")
                + "ssl.truststore.type=PEM\nssl.truststore.location="
                + PKI.caCertificate());

    // when
    CliRun run = apply(kafka.bootstrapServers(KafkaBroker.SASL_SSL), wrong, backend("wrong"));

    // then
    assertThat(run.exit()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
    assertThat(run.err())
        .contains("meshgate: ")
        .contains("Authentication failed during authentication due to invalid credentials");
  }

  @Test
  void aPublisherWithoutAClientCertificateExitsOneWithTheBrokersAlert() throws Exception {
    // given: trusts the broker, presents no certificate
    Path noCertificate =
        properties(
            "no-certificate",
            "security.protocol=SSL\nssl.truststore.type=PEM\nssl.truststore.location="
                + PKI.caCertificate());

    // when
    CliRun run = apply(kafka.bootstrapServers(KafkaBroker.SSL), noCertificate, backend("nocert"));

    // then
    assertThat(run.exit()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
    // TLS 1.3: the broker refuses the missing certificate after the handshake, with this alert.
    assertThat(run.err()).contains("meshgate: Kafka refused event ").contains("bad_certificate");
  }

  @Test
  void aPlaintextPublisherAtTheTlsPortExitsOneSayingWhatToCheck() throws Exception {
    // when: no --kafka-config at all
    CliRun run =
        CliRun.run(
            Map.of(
                "MESHGATE_KAFKA",
                kafka.bootstrapServers(KafkaBroker.SSL),
                "MESHGATE_ETCD",
                etcd.endpointList()),
            DIR.resolve("no-config.yaml"),
            "apply",
            "-f",
            backend("plain").toString(),
            "--timeout",
            "3s");

    // then
    assertThat(run.exit()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
    assertThat(run.err())
        .contains("cannot reach Kafka at " + kafka.bootstrapServers(KafkaBroker.SSL) + " within 3s")
        .contains("a TLS listener needs the client's security.protocol");
  }

  @Test
  void thePublisherPrincipalMayNotReadTheTopic() {
    // given
    Map<String, Object> config =
        new HashMap<>(
            KafkaClientConfig.load(saslPublisher)
                .over(
                    Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(KafkaBroker.SASL_SSL),
                        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                        StringDeserializer.class,
                        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                        ByteArrayDeserializer.class)));
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
      TopicPartition partition = new TopicPartition(ConfigEvent.TOPIC, 0);
      consumer.assign(List.of(partition));
      consumer.seek(partition, 0);

      // when / then
      assertThatThrownBy(
              () -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (System.nanoTime() < deadline) {
                  consumer.poll(Duration.ofMillis(200));
                }
              })
          .isInstanceOf(TopicAuthorizationException.class)
          .hasMessageContaining(ConfigEvent.TOPIC);
    }
  }

  @Test
  void aNodeWhoseKafkaPasswordIsWrongIsNotReadyAndSaysWhy() throws Exception {
    // given
    Path wrong =
        properties(
            "wrong-applier",
            sasl("applier", "not-the-password")
                + "ssl.truststore.type=PEM\nssl.truststore.location="
                + PKI.caCertificate());

    // when
    try (XdsNode node = node("wrong", kafka.bootstrapServers(KafkaBroker.SASL_SSL), wrong)) {

      // then
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () ->
                  assertThat(node.notReadyReason())
                      .hasValueSatisfying(
                          reason ->
                              assertThat(reason)
                                  .startsWith("Kafka refuses the applier: ")
                                  .contains("invalid credentials")));
      assertThat(node.ready()).isFalse();
      assertThat(readyz(node)).startsWith("503 not ready: Kafka refuses the applier: ");
    }
  }

  @Test
  void anApplierGrantedCreateCreatesTheMissingTopics() throws Exception {
    // given: a user that may create, read and write two topics that do not exist yet
    String topic = "created-" + uuid();
    String rejected = topic + ".rejected";
    String group = "group-" + uuid();
    kafka.createScramUser("creator", "creator-secret");
    List<AclBinding> acls =
        List.of(
            allow("creator", ResourceType.TOPIC, topic, AclOperation.CREATE),
            allow("creator", ResourceType.TOPIC, topic, AclOperation.READ),
            allow("creator", ResourceType.TOPIC, rejected, AclOperation.CREATE),
            allow("creator", ResourceType.TOPIC, rejected, AclOperation.WRITE),
            allow("creator", ResourceType.GROUP, group, AclOperation.READ));
    try (Admin admin = kafka.admin()) {
      admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> admin.describeAcls(AclBindingFilter.ANY).values().get().containsAll(acls));
    }
    Path config =
        properties(
            "creator",
            sasl("creator", "creator-secret")
                + "ssl.truststore.type=PEM\nssl.truststore.location="
                + PKI.caCertificate());
    ApplierSettings settings =
        new ApplierSettings(
            kafka.bootstrapServers(KafkaBroker.SASL_SSL),
            group,
            topic,
            rejected,
            "creator",
            Map.of(),
            Duration.ofSeconds(5),
            KafkaClientConfig.load(config));

    // when
    try (Applier applier =
        new Applier(
                settings,
                etcd.client(),
                new Planner(Clock.systemUTC(), () -> UUID.randomUUID().toString()),
                Applier.Hooks.NONE)
            .start()) {

      // then
      assertThat(applier.kafkaProblem()).isEmpty();
      assertThat(kafka.topics()).contains(topic, rejected);
    }
  }

  private static XdsNode node(String name, String bootstrapServers, Path kafkaConfig) {
    return XdsNode.start(
        NodeSettings.builder(bootstrapServers, etcd.endpointList(), name + "-" + uuid())
            .kafkaClient(KafkaClientConfig.load(kafkaConfig))
            .anyLoopbackPorts()
            .build());
  }

  /** The status code and body of {@code /readyz}. */
  private static String readyz(XdsNode node) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + node.adminAddress().getPort() + "/readyz"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return response.statusCode() + " " + response.body();
  }

  private static CliRun apply(String bootstrapServers, Path kafkaConfig, Path file) {
    return CliRun.run(
        Map.of("MESHGATE_KAFKA", bootstrapServers, "MESHGATE_ETCD", etcd.endpointList()),
        DIR.resolve("no-config.yaml"),
        "apply",
        "-f",
        file.toString(),
        "--kafka-config",
        kafkaConfig.toString(),
        "--timeout",
        "15s",
        "--wait");
  }

  private static Path backend(String name) throws IOException {
    String ns = "t" + uuid();
    Path file = DIR.resolve(name + "-" + ns + ".yaml");
    Files.writeString(
        file,
        "apiVersion: meshgate.io/v1alpha1\nkind: Backend\nmetadata: {name: "
            + name
            + ", namespace: "
            + ns
            + "}\nspec: {dns: {hostname: echo.internal, port: 443}}\n");
    return file;
  }

  private static String sasl(String user, String password) {
    return "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n"
        + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required"
        + " username=\""
        + user
        + "\" password=\""
        + password
        + "\";\n";
  }

  /** A PEM file as one property value: its lines joined with the escaped newline. */
  private static String oneLine(Path pem) throws IOException {
    return Files.readString(pem).strip().replace("\n", "\\n");
  }

  private static Path properties(String name, String text) throws IOException {
    Path file = DIR.resolve(name + ".properties");
    Files.writeString(file, text + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return file;
  }

  private static AclBinding allow(
      String user, ResourceType type, String name, AclOperation operation) {
    return new AclBinding(
        new ResourcePattern(type, name, PatternType.LITERAL),
        new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW));
  }

  private static String uuid() {
    return UUID.randomUUID().toString().substring(0, 8);
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("meshgate-kafka-security-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
