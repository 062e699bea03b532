package io.meshgate.xds.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import io.meshgate.xds.serve.ProxyGroups;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.testing.PublishedYaml;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A replica's {@code /metrics} after a config change through Kafka reached one proxy that ACKs and
 * one that NACKs: the series docs/metrics.md lists, with values that match what happened, and no
 * proxy's node id anywhere.
 */
class MetricsIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.local(1);

  private static final String CONFIG =
      """
      apiVersion: gateway.networking.k8s.io/v1
      kind: Gateway
      metadata: {name: edge}
      spec: {listeners: [{name: web, port: 8080, protocol: HTTP}]}
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: app}
      spec: {static: {endpoints: [{address: 127.0.0.1, port: 9}]}}
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: web}
      spec:
        parentRefs: [{name: edge}]
        rules: [{backendRefs: [{name: app}]}]
      """;

  private static final String GROUP = "gateway/default/edge";

  private static void publish(String yaml) {
    PublishedYaml.publish(kafka.bootstrapServers(), "metrics-it", yaml);
  }

  private static Node gateway(String id) {
    return Node.newBuilder()
        .setId(id)
        .setMetadata(
            Struct.newBuilder()
                .putFields(ProxyGroups.GATEWAY, Value.newBuilder().setStringValue("edge").build()))
        .build();
  }

  /** A state-of-the-world proxy that asks for listeners and ACKs, or NACKs, every response. */
  private static final class Proxy implements StreamObserver<DiscoveryResponse> {
    final ManagedChannel channel;
    final StreamObserver<DiscoveryRequest> requests;
    final Node node;
    final boolean nacks;
    final AtomicInteger received = new AtomicInteger();

    Proxy(XdsNode replica, Node node, boolean nacks) {
      this.node = node;
      this.nacks = nacks;
      channel =
          NettyChannelBuilder.forAddress("127.0.0.1", replica.xdsAddress().getPort())
              .usePlaintext()
              .build();
      requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(this);
      requests.onNext(
          DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(TypeUrls.LISTENER).build());
    }

    @Override
    public synchronized void onNext(DiscoveryResponse response) {
      received.incrementAndGet();
      DiscoveryRequest.Builder answer =
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(response.getTypeUrl())
              .setResponseNonce(response.getNonce());
      if (nacks) {
        answer.setErrorDetail(Status.newBuilder().setCode(3).setMessage("refused by MetricsIT"));
      } else {
        answer.setVersionInfo(response.getVersionInfo());
      }
      requests.onNext(answer.build());
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}

    void close() {
      channel.shutdownNow();
    }
  }

  private static HttpResponse<String> get(XdsNode node, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + node.adminAddress().getPort() + path))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private static final Pattern SAMPLE =
      Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{([^}]*)\\})? (\\S+)$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_]+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  /** The sum of the samples of {@code name} whose labels include {@code labels}. */
  static double value(String scrape, String name, Map<String, String> labels) {
    double sum = 0;
    boolean found = false;
    Matcher sample = SAMPLE.matcher(scrape);
    while (sample.find()) {
      if (!sample.group(1).equals(name)) {
        continue;
      }
      Map<String, String> actual = new HashMap<>();
      if (sample.group(2) != null) {
        Matcher label = LABEL.matcher(sample.group(2));
        while (label.find()) {
          actual.put(label.group(1), label.group(2));
        }
      }
      if (actual.entrySet().containsAll(labels.entrySet())) {
        sum += Double.parseDouble(sample.group(3));
        found = true;
      }
    }
    assertThat(found).as("a sample of " + name + " with " + labels).isTrue();
    return sum;
  }

  @Test
  void aScrapeAfterAPushAndANackCountsThemAndTheConvergence() throws Exception {
    try (XdsNode node =
        XdsNode.start(
            NodeSettings.builder(kafka.bootstrapServers(), etcd.endpointList(), "metrics-1")
                .anyLoopbackPorts()
                .build())) {
      await().atMost(Duration.ofSeconds(60)).until(node::ready);
      // given two proxies of the Gateway's group, connected before its config exists
      Proxy acking = new Proxy(node, gateway("metrics-it-envoy-acking"), false);
      Proxy nacking = new Proxy(node, gateway("metrics-it-envoy-nacking"), true);
      try {
        // when the config arrives through Kafka, and each proxy answers its listeners
        publish(CONFIG);
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> acking.received.get() >= 1 && nacking.received.get() >= 1);
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    value(
                                get(node, "/metrics").body(),
                                "meshgate_config_convergence_seconds_count",
                                Map.of())
                            >= 1
                        && value(
                                get(node, "/metrics").body(),
                                "meshgate_xds_nacks_total",
                                Map.of("type", "Listener"))
                            >= 1);

        // then /metrics answers without a token, in Prometheus' text format
        HttpResponse<String> response = get(node, "/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow())
            .startsWith("text/plain; version=0.0.4");
        String scrape = response.body();
        Map<String, String> listeners = Map.of("type", "Listener");
        Map<String, String> ofGroup = Map.of("type", "Listener", "group", GROUP);

        // ACKs and NACKs per type and group, as the proxies sent them
        assertThat(value(scrape, "meshgate_xds_acks_total", ofGroup)).isGreaterThanOrEqualTo(1);
        assertThat(value(scrape, "meshgate_xds_nacks_total", ofGroup))
            .isEqualTo(nacking.received.get());
        // responses, and their sizes: one observation per response, each of some bytes
        double responses = value(scrape, "meshgate_xds_responses_total", listeners);
        assertThat(responses).isEqualTo(acking.received.get() + nacking.received.get());
        assertThat(value(scrape, "meshgate_xds_response_size_bytes_count", listeners))
            .isEqualTo(responses);
        assertThat(value(scrape, "meshgate_xds_response_size_bytes_sum", listeners))
            .isGreaterThan(0);
        assertThat(
                value(
                    scrape,
                    "meshgate_xds_response_size_bytes_bucket",
                    Map.of("type", "Listener", "le", "4194304.0")))
            .isEqualTo(responses);
        // both streams connected, state of the world
        assertThat(
                value(
                    scrape, "meshgate_xds_streams", Map.of("type", "Listener", "protocol", "sotw")))
            .isEqualTo(2);
        // convergence: the ACKing proxy took the events (three records), the NACKing one did not
        double converged = value(scrape, "meshgate_config_convergence_seconds_count", Map.of());
        assertThat(converged).isBetween(1.0, 3.0);
        double seconds = value(scrape, "meshgate_config_convergence_seconds_sum", Map.of());
        assertThat(seconds).isGreaterThan(0).isLessThan(converged * 60);
        // each event's age was taken when applied; when seen and built, once per transaction: the
        // applier may have applied the three records in one batch
        assertThat(
                value(
                    scrape, "meshgate_config_event_age_seconds_count", Map.of("stage", "applied")))
            .isEqualTo(3);
        for (String stage : List.of("seen", "built")) {
          assertThat(
                  value(scrape, "meshgate_config_event_age_seconds_count", Map.of("stage", stage)))
              .as(stage)
              .isBetween(1.0, 3.0);
        }
        // the applier applied the three resources' events
        assertThat(value(scrape, "meshgate_applier_events_total", Map.of("outcome", "accepted")))
            .isGreaterThanOrEqualTo(3);
        assertThat(value(scrape, "meshgate_applier_etcd_transaction_seconds_count", Map.of()))
            .isGreaterThanOrEqualTo(3);
        assertThat(value(scrape, "meshgate_applier_lag_records", Map.of()))
            .isGreaterThanOrEqualTo(0);
        // builds, each stage timed, and the Gateway's group with its listener
        assertThat(value(scrape, "meshgate_pipeline_builds_total", Map.of("outcome", "complete")))
            .isGreaterThanOrEqualTo(1);
        for (String stage : List.of("resolve", "translate", "validate", "pack")) {
          assertThat(
                  value(
                      scrape,
                      "meshgate_pipeline_build_stage_seconds_count",
                      Map.of("stage", stage)))
              .as(stage)
              .isGreaterThanOrEqualTo(1);
        }
        assertThat(value(scrape, "meshgate_pipeline_groups", Map.of())).isGreaterThanOrEqualTo(1);
        assertThat(value(scrape, "meshgate_pipeline_resources", listeners))
            .isGreaterThanOrEqualTo(1);
        // the JVM's and the process's own
        assertThat(value(scrape, "jvm_memory_used_bytes", Map.of("area", "heap"))).isGreaterThan(0);
        assertThat(value(scrape, "process_uptime_seconds", Map.of())).isGreaterThan(0);
        // and no proxy's node id, nor the replica's, anywhere
        assertThat(scrape)
            .doesNotContain("metrics-it-envoy-acking", "metrics-it-envoy-nacking", "metrics-1");
      } finally {
        acking.close();
        nacking.close();
      }
    }
  }
}
