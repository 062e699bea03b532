package io.meshgate.xds.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Auth;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;
import io.meshgate.config.store.EtcdConnection;
import io.meshgate.config.store.Keyspace;
import io.meshgate.embedded.LocalEtcd;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import io.meshgate.testkit.TestPki;
import io.meshgate.xds.node.NodeSettings;
import io.meshgate.xds.node.XdsNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production setting of docs/security.md: etcd with TLS, {@code --client-cert-auth} and {@code
 * auth enable}; meshgate brings the CA, a client certificate and the user {@code meshgate}.
 */
class EtcdTlsWithAuthIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();

  @TempDir static Path pkiDir;
  @TempDir Path dir;

  static TestPki pki;
  static TestPki.Issued client;
  static Path password;
  static EtcdCluster etcd;

  @BeforeAll
  static void start() throws Exception {
    pki = TestPki.create(pkiDir);
    TestPki.Issued server = pki.server("etcd", "127.0.0.1", "localhost");
    client = pki.client("meshgate-node");
    password = Files.writeString(pkiDir.resolve("password"), "meshgate-pw-2\n");
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

  private static ByteSequence bytes(String value) {
    return ByteSequence.from(value, UTF_8);
  }

  private static <T> T done(CompletableFuture<T> future) throws Exception {
    return future.get(10, TimeUnit.SECONDS);
  }

  private Map<String, String> certificateOnly() {
    Map<String, String> env = new HashMap<>();
    env.put("MESHGATE_KAFKA", kafka.bootstrapServers());
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
  void withTheCaACertificateAndTheUserTheNodeAppliesAndTheCliReads() throws Exception {
    EtcdConnection connection =
        EtcdConnection.plaintext(etcd.endpointList())
            .withCa(pki.caCertificate())
            .withClientCertificate(client.certificate(), client.privateKey())
            .withUser("meshgate", password);
    NodeSettings settings =
        NodeSettings.builder(kafka.bootstrapServers(), etcd.endpointList(), "tls-auth-it")
            .anyLoopbackPorts()
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
