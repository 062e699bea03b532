package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshgate.config.store.EtcdConnection;
import io.meshgate.embedded.EtcdMember;
import io.meshgate.embedded.LocalEtcd;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import io.meshgate.testkit.TestPki;
import io.meshgate.xds.node.NodeSettings;
import io.meshgate.xds.node.XdsNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three etcd members serving clients over TLS with {@code --client-cert-auth}: the node is given
 * all three {@code https://} endpoints, and keeps applying when the leader is killed.
 */
class EtcdTlsClusterIT {
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
                    .members(3)
                    .serverCertificate(server.certificate(), server.privateKey())
                    .clientCertificatesFrom(pki.caCertificate()))
            .start();
  }

  @AfterAll
  static void stopEtcd() {
    etcd.close();
  }

  @Test
  void withTheLeaderKilledTheNodeKeepsApplyingOverTheOtherTlsMembers() throws Exception {
    assertThat(etcd.endpoints()).hasSize(3).allMatch(url -> url.startsWith("https://"));
    EtcdConnection connection =
        EtcdConnection.plaintext(etcd.endpointList())
            .withCa(pki.caCertificate())
            .withClientCertificate(client.certificate(), client.privateKey());
    NodeSettings settings =
        NodeSettings.builder(kafka.bootstrapServers(), etcd.endpointList(), "tls-cluster-it")
            .anyLoopbackPorts()
            .etcdConnection(connection)
            .build();
    try (XdsNode node = XdsNode.start(settings)) {
      await().atMost(Duration.ofSeconds(30)).until(node::ready);
      assertApplied("before");

      // when
      EtcdMember leader = etcd.leader();
      leader.kill();

      // then
      assertApplied("after");
      assertThat(leader.isRunning()).isFalse();
    }
  }

  /** {@code meshgate apply --wait} of a Backend named {@code name} ends Accepted. */
  private void assertApplied(String name) throws IOException {
    Path file = dir.resolve(name + ".yaml");
    Files.writeString(
        file,
        "apiVersion: meshgate.io/v1alpha1\nkind: Backend\nmetadata: {name: "
            + name
            + ", namespace: tls}\nspec: {dns: {hostname: echo.internal, port: 443}}\n");
    Map<String, String> env =
        Map.of(
            "MESHGATE_KAFKA", kafka.bootstrapServers(),
            "MESHGATE_ETCD", etcd.endpointList(),
            "MESHGATE_ETCD_CA", pki.caCertificate().toString(),
            "MESHGATE_ETCD_CERT", client.certificate().toString(),
            "MESHGATE_ETCD_KEY", client.privateKey().toString());
    CliRun run =
        CliRun.run(
            env,
            dir.resolve("no-config.yaml"),
            "apply",
            "-f",
            file.toString(),
            "--timeout",
            "30s",
            "--wait");
    assertThat(run.exit()).as(run.out() + run.err()).isZero();
    assertThat(run.out()).contains("Accepted");
  }
}
