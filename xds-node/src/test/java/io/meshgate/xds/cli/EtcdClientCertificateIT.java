package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshgate.config.store.EtcdConnection;
import io.meshgate.embedded.LocalEtcd;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import io.meshgate.testkit.TestPki;
import io.meshgate.xds.node.NodeSettings;
import io.meshgate.xds.node.XdsNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real etcd serving clients over TLS with {@code --client-cert-auth}: the node and the CLI reach
 * it with the CA and a client certificate from {@link TestPki}, and are refused without one.
 */
class EtcdClientCertificateIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();

  @TempDir static Path pkiDir;
  @TempDir Path dir;

  static TestPki pki;
  static TestPki.Issued client;
  static EtcdCluster etcd;

  @BeforeAll
  static void startEtcd() {
    pki = TestPki.create(pkiDir);
    TestPki.Issued server = pki.server("etcd", "127.0.0.1", "localhost");
    client = pki.client("meshgate");
    etcd =
        EtcdCluster.local(
                LocalEtcd.builder()
                    .serverCertificate(server.certificate(), server.privateKey())
                    .clientCertificatesFrom(pki.caCertificate()))
            .start();
  }

  @AfterAll
  static void stopEtcd() {
    etcd.close();
  }

  private Map<String, String> withCertificate() {
    Map<String, String> env = new HashMap<>(withCaOnly());
    env.put("MESHGATE_ETCD_CERT", client.certificate().toString());
    env.put("MESHGATE_ETCD_KEY", client.privateKey().toString());
    return env;
  }

  private Map<String, String> withCaOnly() {
    return Map.of(
        "MESHGATE_KAFKA", kafka.bootstrapServers(),
        "MESHGATE_ETCD", etcd.endpointList(),
        "MESHGATE_ETCD_CA", pki.caCertificate().toString());
  }

  private CliRun cli(Map<String, String> env, String... args) {
    return CliRun.run(env, dir.resolve("no-config.yaml"), args);
  }

  private static NodeSettings.Builder node(EtcdConnection connection, String replicaId) {
    return NodeSettings.builder(kafka.bootstrapServers(), etcd.endpointList(), replicaId)
        .anyLoopbackPorts()
        .etcdConnection(connection);
  }

  private static int readyz(XdsNode node) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + node.adminAddress().getPort() + "/readyz");
    return HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  @Test
  void withTheCaAndAClientCertificateTheApplierAppliesAndTheCliReads() throws Exception {
    assertThat(etcd.endpointList()).startsWith("https://");
    EtcdConnection connection =
        EtcdConnection.plaintext(etcd.endpointList())
            .withCa(pki.caCertificate())
            .withClientCertificate(client.certificate(), client.privateKey());
    try (XdsNode node = XdsNode.start(node(connection, "cert-it").build())) {
      // given
      Path file = dir.resolve("echo.yaml");
      Files.writeString(
          file,
          """
          apiVersion: meshgate.io/v1alpha1
          kind: Backend
          metadata: {name: echo, namespace: tls}
          spec: {dns: {hostname: echo.example.com, port: 443}}
          """);

      // when
      CliRun applied = cli(withCertificate(), "apply", "-f", file.toString());

      // then
      assertThat(applied.exit()).as(applied.err()).isZero();
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                CliRun got =
                    cli(withCertificate(), "get", "backend/echo", "-n", "tls", "-o", "yaml");
                assertThat(got.exit()).as(got.err()).isZero();
                assertThat(got.out()).contains("echo.example.com");
              });
      await().atMost(Duration.ofSeconds(30)).until(() -> readyz(node) == 200);
    }
  }

  @Test
  void withoutAClientCertificateTheCliExitsOneWithEtcdsReason() {
    CliRun run = cli(withCaOnly(), "get", "backend", "-A", "--timeout", "5s");

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).contains("Received fatal alert: bad_certificate");
  }

  @Test
  void theTlsMemberIsHealthyAndReportsItselfLeaderWithoutAClientCertificate() {
    assertThat(etcd.member(0).isHealthy()).isTrue();
    assertThat(etcd.leader().name()).isEqualTo("m1");
  }

  @Test
  void aNodeWithoutAClientCertificateIsNotReady() throws Exception {
    EtcdConnection caOnly =
        EtcdConnection.plaintext(etcd.endpointList()).withCa(pki.caCertificate());
    try (XdsNode node = XdsNode.startServingOnly(node(caOnly, "no-cert-it").build())) {
      await()
          .during(Duration.ofSeconds(3))
          .atMost(Duration.ofSeconds(10))
          .until(() -> readyz(node) == 503);
    }
  }
}
