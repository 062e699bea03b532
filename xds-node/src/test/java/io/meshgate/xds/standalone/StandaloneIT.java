package io.meshgate.xds.standalone;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StandaloneIT {
  @TempDir Path dataDir;

  @Test
  void servesKafkaAndEtcdAndKeepsTheirDataAcrossARestart() throws Exception {
    // Fixed ports across both starts, as a user's restart would have.
    StandaloneSettings settings =
        new StandaloneSettings(
            dataDir,
            freePort(),
            freePort(),
            freePort(),
            freePort(),
            0,
            0,
            true,
            StandaloneSettings.EtcdAccess.PLAINTEXT);
    ByteSequence key = ByteSequence.from("/standalone/it", UTF_8);

    // given: a standalone meshgate with a topic and a key written to it
    try (Standalone standalone = Standalone.start(settings)) {
      try (Admin admin = admin(standalone)) {
        admin.createTopics(List.of(new NewTopic("standalone-it", 1, (short) 1))).all().get();
      }
      try (Client etcd = etcd(standalone)) {
        etcd.getKVClient().put(key, ByteSequence.from("kept", UTF_8)).get(5, TimeUnit.SECONDS);
      }
    }

    // when: it starts again on the same data directory
    try (Standalone again = Standalone.start(settings)) {
      // then: both are still there
      try (Admin admin = admin(again)) {
        assertThat(admin.listTopics().names().get()).contains("standalone-it");
      }
      try (Client etcd = etcd(again)) {
        assertThat(
                etcd.getKVClient()
                    .get(key)
                    .get(5, TimeUnit.SECONDS)
                    .getKvs()
                    .get(0)
                    .getValue()
                    .toString(UTF_8))
            .isEqualTo("kept");
      }
      assertThat(again.dataDir()).isEqualTo(dataDir);
      assertThat(again.sealKey()).exists();
      // the examples, applied on the first start, are translated and served
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(30))
          .until(
              () ->
                  again
                      .node()
                      .snapshots()
                      .get("proxyless")
                      .map(
                          s ->
                              s.type(io.meshgate.xds.snapshot.TypeUrls.LISTENER)
                                  .resources()
                                  .containsKey("echo.default"))
                      .orElse(false));
      assertThat(again.node().snapshots().get("gateway/default/edge")).isPresent();
    }
  }

  @Test
  void itsOwnEtcdServesTlsWithClientCertificatesWhenAsked() throws Exception {
    StandaloneSettings settings =
        new StandaloneSettings(
            dataDir,
            freePort(),
            freePort(),
            freePort(),
            freePort(),
            0,
            0,
            true,
            StandaloneSettings.EtcdAccess.MUTUAL_TLS);

    try (Standalone standalone = Standalone.start(settings)) {
      // then: served over https, the replica works through it (the examples are translated) ...
      assertThat(standalone.etcdEndpoints()).startsWith("https://127.0.0.1:");
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(30))
          .until(() -> standalone.node().snapshots().get("gateway/default/edge").isPresent());
      // ... the CLI's settings it prints reach it ...
      try (Client client = standalone.etcdConnection().connectFailingFast()) {
        assertThat(
                client
                    .getKVClient()
                    .get(ByteSequence.from("/meshgate/v1/seal/public", UTF_8))
                    .get(5, TimeUnit.SECONDS)
                    .getKvs())
            .hasSize(1);
      }
      // ... and a client without a certificate is refused
      io.meshgate.config.store.EtcdConnection withoutCertificate =
          io.meshgate.config.store.EtcdConnection.plaintext(standalone.etcdEndpoints())
              .withCa(standalone.etcdConnection().ca().orElseThrow());
      try (Client client = withoutCertificate.connectFailingFast()) {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () ->
                    client
                        .getKVClient()
                        .get(ByteSequence.from("/meshgate/v1/seal/public", UTF_8))
                        .get(10, TimeUnit.SECONDS))
            .isInstanceOf(java.util.concurrent.ExecutionException.class);
      }
    }
  }

  private static int freePort() throws java.io.IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static Admin admin(Standalone standalone) {
    return Admin.create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, standalone.kafkaBootstrapServers()));
  }

  private static Client etcd(Standalone standalone) {
    return Client.builder().endpoints(standalone.etcdEndpoints().split(",")).build();
  }
}
