package io.meshgate.xds.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Auth;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;
import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.event.KafkaClientConfig;
import io.meshgate.config.store.EtcdConnection;
import io.meshgate.config.store.Keyspace;
import io.meshgate.embedded.LocalEtcd;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import io.meshgate.testkit.TestPki;
import io.meshgate.xds.node.NodeSettings;
import io.meshgate.xds.node.XdsNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production setting of docs/security.md, both backplanes secured at once: etcd with TLS,
 * {@code --client-cert-auth} and {@code auth enable}, where meshgate brings the CA, a client
 * certificate and the user {@code meshgate}; Kafka at its SSL listener with client certificates and
 * ACLs, where meshgate brings a Kafka client properties file.
 */
class EtcdTlsWithAuthIT {
  private static final Path DIR = tempDir();
  private static final TestPki PKI = TestPki.create(DIR.resolve("pki"));

  @RegisterExtension static KafkaBroker kafka = KafkaBroker.secured(PKI);

  @TempDir Path dir;

  static TestPki pki = PKI;
  static TestPki.Issued client;
  static Path password;
  static Path kafkaConfig;
  static EtcdCluster etcd;

  @BeforeAll
  static void start() throws Exception {
    TestPki.Issued server = pki.server("etcd", "127.0.0.1", "localhost");
    client = pki.client("meshgate-node");
    password = Files.writeString(DIR.resolve("password"), "meshgate-pw-2\n");
    kafkaConfig = kafkaClientOf(client);
    etcd =
        EtcdCluster.local(
                LocalEtcd.builder()
                    .serverCertificate(server.certificate(), server.privateKey())
                    .clientCertificatesFrom(pki.caCertificate()))
            .start();
    EtcdConnection admin =
        EtcdConnection.plaintext(etcd.endpointList())
            .withCa(pki.caCertificate())
            .withClientCertificate(client.certificate(), client.privateKey());
    try (Client root = admin.connect()) {
      Auth auth = root.getAuthClient();
      done(auth.userAdd(bytes("root"), bytes("root-pw-2")));
      done(auth.userGrantRole(bytes("root"), bytes("root")));
      done(auth.roleAdd(bytes("meshgate")));
      done(
          auth.roleGrantPermission(
              bytes("meshgate"),
              bytes(Keyspace.ROOT),
              bytes("/meshgate/v10"),
              Permission.Type.READWRITE));
      done(auth.userAdd(bytes("meshgate"), bytes("meshgate-pw-2")));
      done(auth.userGrantRole(bytes("meshgate"), bytes("meshgate")));
      done(auth.authEnable());
    }
  }

  @AfterAll
  static void stop() {
    etcd.close();
  }

  /**
   * The node's Kafka principal (its certificate's CN) may do what the applier and the CLI need, and
   * its client properties file carries the same certificate and key as PEM.
   */
  private static Path kafkaClientOf(TestPki.Issued certificate) throws Exception {
    kafka.createTopic(ConfigEvent.TOPIC, 3);
    kafka.createTopic(ConfigEvent.REJECTED_TOPIC, 3);
    List<AclBinding> acls = new ArrayList<>();
    for (ResourceType type : List.of(ResourceType.TOPIC, ResourceType.GROUP)) {
      acls.add(
          new AclBinding(
              new ResourcePattern(type, "*", PatternType.LITERAL),
              new AccessControlEntry(
                  "User:meshgate-node", "*", AclOperation.ALL, AclPermissionType.ALLOW)));
    }
    try (Admin admin = kafka.admin()) {
      admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () -> admin.describeAcls(AclBindingFilter.ANY).values().get().size() == acls.size());
    }
    Path pem = DIR.resolve("kafka-client.pem");
    Files.writeString(
        pem,
        Files.readString(certificate.privateKey()) + Files.readString(certificate.certificate()));
    Path file = DIR.resolve("kafka.properties");
    Files.writeString(
        file,
        "security.protocol=SSL\nssl.keystore.type=PEM\nssl.keystore.location="
            + pem
            + "\nssl.truststore.type=PEM\nssl.truststore.location="
            + pki.caCertificate()
            + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return file;
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("meshgate-secured-backplane-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ByteSequence bytes(String value) {
    return ByteSequence.from(value, UTF_8);
  }

  private static <T> T done(CompletableFuture<T> future) throws Exception {
    return future.get(10, TimeUnit.SECONDS);
  }

  private Map<String, String> certificateOnly() {
    Map<String, String> env = new HashMap<>();
    env.put("MESHGATE_KAFKA", kafka.bootstrapServers(KafkaBroker.SSL));
    env.put("MESHGATE_KAFKA_CONFIG", kafkaConfig.toString());
    env.put("MESHGATE_ETCD", etcd.endpointList());
    env.put("MESHGATE_ETCD_CA", pki.caCertificate().toString());
    env.put("MESHGATE_ETCD_CERT", client.certificate().toString());
    env.put("MESHGATE_ETCD_KEY", client.privateKey().toString());
    return env;
  }

  private Map<String, String> certificateAndUser() {
    Map<String, String> env = certificateOnly();
    env.put("MESHGATE_ETCD_USER", "meshgate");
    env.put("MESHGATE_ETCD_PASSWORD_FILE", password.toString());
    return env;
  }

  private CliRun cli(Map<String, String> env, String... args) {
    return CliRun.run(env, dir.resolve("no-config.yaml"), args);
  }

  @Test
  void overTlsKafkaAndTlsEtcdAtOnceTheNodeAppliesWhatTheCliPublished() throws Exception {
    EtcdConnection connection =
        EtcdConnection.plaintext(etcd.endpointList())
            .withCa(pki.caCertificate())
            .withClientCertificate(client.certificate(), client.privateKey())
            .withUser("meshgate", password);
    NodeSettings settings =
        NodeSettings.builder(kafka.bootstrapServers(KafkaBroker.SSL), etcd.endpointList(), "tls-it")
            .anyLoopbackPorts()
            .kafkaClient(KafkaClientConfig.load(kafkaConfig))
            .etcdConnection(connection)
            .build();
    try (XdsNode node = XdsNode.start(settings)) {
      // given
      Path file = dir.resolve("echo.yaml");
      Files.writeString(
          file,
          """
          apiVersion: meshgate.io/v1alpha1
          kind: Backend
          metadata: {name: echo, namespace: both}
          spec: {dns: {hostname: both.example.com, port: 443}}
          """);

      // when
      CliRun applied = cli(certificateAndUser(), "apply", "-f", file.toString());

      // then
      assertThat(applied.exit()).as(applied.err()).isZero();
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                CliRun got =
                    cli(certificateAndUser(), "get", "backend/echo", "-n", "both", "-o", "yaml");
                assertThat(got.exit()).as(got.err()).isZero();
                assertThat(got.out()).contains("both.example.com");
              });
      await().atMost(Duration.ofSeconds(30)).until(node::ready);
    }
  }

  @Test
  void aCertificateWithoutTheUserIsRefusedByEtcdAuth() {
    // Without a password etcd takes the certificate's CN (meshgate-node) as the user; none exists.
    CliRun run = cli(certificateOnly(), "get", "backend", "-A", "--timeout", "5s");

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).contains("etcdserver: permission denied");
  }
}
