package io.meshgate.xds.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.meshgate.config.store.Keyspace;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import io.meshgate.xds.node.NodeSettings;
import io.meshgate.xds.node.XdsNode;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshgate check} against a real estate: etcd, Kafka and one replica with its applier. It
 * passes when all is well, fails naming etcd and its address while etcd is stopped (within the
 * timeout) and passes again when etcd returns, and fails for a proxy that rejects its config and
 * for an expired certificate.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CheckCommandIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  @TempDir static Path dir;

  private static XdsNode node;

  @BeforeAll
  static void startAReplicaWithAConfig() throws Exception {
    node =
        XdsNode.start(
            NodeSettings.builder(kafka.bootstrapServers(), etcd.endpointList(), "check-1")
                .anyLoopbackPorts()
                .build());
    Path backend = dir.resolve("backend.yaml");
    Files.writeString(
        backend,
        """
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: echo}
        spec: {static: {endpoints: [{address: 10.0.0.5, port: 50051}]}}
        """);
    CliRun applied = cli("apply", "-f", backend.toString(), "--wait");
    assertThat(applied.exit()).as(applied.err()).isZero();
  }

  @AfterAll
  static void stopTheReplica() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  @Order(1)
  void aHealthyEstatePassesEveryCheck() {
    CliRun check = awaitPassing();

    assertThat(check.out())
        .doesNotContain("✗")
        .contains("✓ etcd: 1 of 1 members answer, leader ")
        .contains("✓ etcd: a linearizable read took ")
        .contains("✓ kafka: 1 broker answers at " + kafka.bootstrapServers())
        .contains("✓ applier: every event is applied (6 partitions, lag 0)")
        .contains("✓ replicas: 1 replica (check-1) built the config's revision ")
        .contains("✓ proxies: 0 connected in 0 groups; none rejects its config")
        .contains("✓ discovery: no outside source (Consul, Nomad, DNS) is watched");
  }

  @Test
  @Order(2)
  void withEtcdStoppedItFailsNamingEtcdWithinTheTimeoutAndPassesWhenEtcdReturns() {
    // given
    awaitPassing();
    etcd.member(0).stop();
    try {
      // when
      long started = System.nanoTime();
      CliRun check = cli("check", "--timeout", "2s");
      Duration took = Duration.ofNanos(System.nanoTime() - started);

      // then
      assertThat(check.exit()).as(check.out()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
      assertThat(check.out())
          .contains(
              "✗ etcd: no member answers at "
                  + etcd.endpointList()
                  + " within 2s\n"
                  + "    hint: is etcd running there?")
          .contains("✓ kafka: 1 broker answers")
          .contains("! applier: lag not checked: the applied offsets are in etcd");
      // etcd's status within --timeout, Kafka's within it: never the client libraries' retries.
      assertThat(took).isLessThan(Duration.ofSeconds(15));
    } finally {
      etcd.member(0).start();
    }

    // then: when it returns, the check passes again
    assertThat(awaitPassing().out()).contains("✓ etcd: 1 of 1 members answer");
  }

  @Test
  @Order(3)
  void aProxyThatRejectsItsConfigFailsNamingGroupTypeNodeAndDetail() throws Exception {
    // given: a replica's summary, as AckReporter writes it, with a proxy that NACKed
    awaitPassing();
    String key = Keyspace.acks("check-other", "gateway/shop/edge");
    String summary =
        """
        {"replica": "check-other", "group": "gateway/shop/edge", "connected": 3,
         "proxies": [
           {"state": "Rejected", "ackedRevision": 12,
            "typeUrl": "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
            "errorDetail": "Proto constraint validation failed: prefix must not be empty\\nsecond line",
            "count": 2, "nodes": ["edge-2", "edge-3"]},
           {"state": "Synced", "ackedRevision": 12, "count": 1, "nodes": ["edge-1"]}]}
        """;
    put(key, summary);
    try {
      // when
      CliRun check = cli("check");

      // then
      assertThat(check.exit()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
      assertThat(check.out())
          .contains(
              "✗ proxies: proxy edge-2 (and 1 more) of gateway/shop/edge (replica check-other)"
                  + " rejected RouteConfiguration: Proto constraint validation failed: prefix"
                  + " must not be empty\n")
          .doesNotContain("second line");
    } finally {
      etcd.client().getKVClient().delete(ByteSequence.from(key, UTF_8)).get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(4)
  void aReplicaBehindTheConfigAndAStaleDiscoverySourceFail() throws Exception {
    // given: a member key as a replica that stopped building, whose Consul watch is silent, writes
    // it
    awaitPassing();
    String key = Keyspace.member("check-stale");
    put(
        key,
        """
        {"replica": "check-stale", "builtRevision": 1,
         "sources": {"consul": {"watches": 2, "stale": 1, "staleSince": "2026-12-06T18:02:44Z"},
                     "dns": {"watches": 1, "stale": 0}}}
        """);
    try {
      // when
      CliRun check = cli("check");

      // then
      assertThat(check.exit()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
      assertThat(check.out())
          .containsPattern(
              "✗ replicas: 1 of 2 replicas are behind the config's revision \\d+: check-stale built"
                  + " revision 1\n")
          .contains(
              "✗ discovery: replica check-stale: 1 of 2 consul sources do not answer, since"
                  + " 2026-12-06T18:02:44Z (");
    } finally {
      etcd.client().getKVClient().delete(ByteSequence.from(key, UTF_8)).get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(5)
  void anExpiredCertificateFailsAndOneExpiringSoonWarns() throws Exception {
    // given
    awaitPassing();
    Instant now = Instant.now();
    Path secrets = dir.resolve("secrets.yaml");
    Files.writeString(
        secrets,
        """
        apiVersion: v1
        kind: Secret
        metadata: {name: expired, namespace: shop}
        data: {tls.crt: EXPIRED}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: soon, namespace: shop}
        data: {ca.crt: SOON}
        """
            .replace("EXPIRED", pem(now.minus(Duration.ofDays(90)), now.minus(Duration.ofDays(2))))
            .replace("SOON", pem(now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(10)))));
    CliRun applied = cli("apply", "-f", secrets.toString(), "--wait");
    assertThat(applied.exit()).as(applied.err()).isZero();
    try {
      // when
      CliRun check = cli("check");

      // then
      assertThat(check.exit()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
      assertThat(check.out())
          .containsPattern(
              "✗ certificates: Secret shop/expired tls.crt expired at \\S+ \\(2d ago\\)")
          .containsPattern(
              "! certificates: Secret shop/soon ca.crt expires at \\S+ \\(in (9|10)d\\)");

      // and: with a shorter warning the near one is not mentioned
      assertThat(cli("check", "--cert-warn", "5d").out())
          .contains("Secret shop/expired")
          .doesNotContain("Secret shop/soon");
    } finally {
      cli("delete", "secret/expired", "-n", "shop", "--wait");
      cli("delete", "secret/soon", "-n", "shop", "--wait");
    }
  }

  @Test
  @Order(6)
  void eventsTheApplierDoesNotTakeCountAsLagThenFailAsStuck() throws Exception {
    // given: no applier (the only replica stops), and an event published after it
    node.close();
    node = null;
    Path backend = dir.resolve("late.yaml");
    Files.writeString(
        backend,
        """
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: late}
        spec: {static: {endpoints: [{address: 10.0.0.6, port: 50051}]}}
        """);
    CliRun published = cli("apply", "-f", backend.toString());
    assertThat(published.exit()).as(published.err()).isZero();

    // when, then: it waits, under --max-lag and younger than --stuck-after
    CliRun young = cli("check", "--stuck-after", "1h");
    assertThat(young.out())
        .contains("✓ applier: 1 event on their way (published less than 1h ago)")
        .contains("✗ replicas: no replica reports to etcd");
    // over --max-lag
    assertThat(cli("check", "--stuck-after", "1h", "--max-lag", "0").out())
        .contains("✗ applier: 1 event not applied yet (over --max-lag 0)");
    // older than --stuck-after: stuck, naming the partition and the offset
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(cli("check", "--stuck-after", "1s").out())
                    .containsPattern(
                        "✗ applier: events are not applied: partition \\d \\(offset \\d+,"
                            + " published \\d+s ago, 1 waiting\\)"));
  }

  @Test
  @Order(7)
  void withKafkaStoppedItFailsNamingKafkaWithinTheTimeoutAndStillChecksEtcd() {
    // given
    String address = kafka.bootstrapServers();
    kafka.stop();

    // when
    long started = System.nanoTime();
    CliRun check = cli(Map.of("MESHGATE_KAFKA", address), "check", "--timeout", "2s");
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    // then
    assertThat(check.exit()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
    assertThat(check.out())
        .contains("✓ etcd: 1 of 1 members answer")
        .contains(
            "✗ kafka: no broker answers at "
                + address
                + " within 2s\n"
                + "    hint: is Kafka running there?");
    assertThat(took).isLessThan(Duration.ofSeconds(15));
  }

  /** Runs {@code check} until it exits 0, for what a replica reports every 500 ms. */
  private static CliRun awaitPassing() {
    CliRun[] last = new CliRun[1];
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              last[0] = cli("check", "--timeout", "2s");
              return last[0].exit() == Meshgate.EXIT_OK;
            });
    return last[0];
  }

  private static CliRun cli(String... args) {
    return cli(Map.of("MESHGATE_KAFKA", kafka.bootstrapServers()), args);
  }

  private static CliRun cli(Map<String, String> kafkaAt, String... args) {
    Map<String, String> environment = new HashMap<>(kafkaAt);
    environment.put("MESHGATE_ETCD", etcd.endpointList());
    return CliRun.run(environment, dir.resolve("no-config.yaml"), args);
  }

  private static void put(String key, String value) throws Exception {
    etcd.client()
        .getKVClient()
        .put(ByteSequence.from(key, UTF_8), ByteSequence.from(value, UTF_8))
        .get(10, TimeUnit.SECONDS);
  }

  /** A self-signed certificate valid from {@code from} to {@code to}, PEM in base64. */
  private static String pem(Instant from, Instant to) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair keys = generator.generateKeyPair();
    X500Name name = new X500Name("CN=check-it");
    X509Certificate certificate =
        new JcaX509CertificateConverter()
            .getCertificate(
                new JcaX509v3CertificateBuilder(
                        name,
                        BigInteger.valueOf(to.toEpochMilli()),
                        Date.from(from),
                        Date.from(to),
                        name,
                        keys.getPublic())
                    .build(
                        new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(certificate);
    }
    return Base64.getEncoder().encodeToString(out.toString().getBytes(UTF_8));
  }
}
