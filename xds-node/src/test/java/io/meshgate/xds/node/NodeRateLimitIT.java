package io.meshgate.xds.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.meshgate.edge.ratelimit.RedisSettings;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import io.meshgate.testkit.RedisServer;
import io.meshgate.xds.resolve.EdgeServices;
import io.meshgate.xds.testing.PublishedYaml;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two replicas run meshgate's rate limit service on one Redis: each derives its rules from its own
 * build of the config that arrives through Kafka and etcd, and a limit holds across both, as it
 * does across the gateway replicas that ask them.
 */
class NodeRateLimitIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.local(1);
  @RegisterExtension static RedisServer redis = RedisServer.local();

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
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: TrafficPolicy
      metadata: {name: limits}
      spec:
        targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge}]
        rateLimit:
          global:
            rules:
              - name: per-client
                selectors: [{clientIP: {}}]
                limit: {requests: 3, unit: Day}
      """;

  private static NodeSettings settings(String id) {
    return NodeSettings.builder(kafka.bootstrapServers(), etcd.endpointList(), id)
        .anyLoopbackPorts()
        .rateLimit(
            RateLimitSettings.serving(
                new InetSocketAddress("127.0.0.1", 0),
                RedisSettings.parse(redis.uri()),
                List.of(EdgeServices.Address.parse("127.0.0.1:18081"))))
        .build();
  }

  private static void publish(String yaml) {
    PublishedYaml.publish(kafka.bootstrapServers(), "rate-limit-it", yaml);
  }

  /** The request Envoy's actions make for the rule, for a client at {@code address}. */
  private static RateLimitRequest request(String address) {
    return RateLimitRequest.newBuilder()
        .setDomain("meshgate")
        .addDescriptors(
            RateLimitDescriptor.newBuilder()
                .addEntries(entry("meshgate_rule", "default/limits/per-client"))
                .addEntries(entry("remote_address", address)))
        .build();
  }

  private static RateLimitDescriptor.Entry entry(String key, String value) {
    return RateLimitDescriptor.Entry.newBuilder().setKey(key).setValue(value).build();
  }

  private static Code ask(ManagedChannel channel, String address) {
    RateLimitResponse response =
        RateLimitServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .shouldRateLimit(request(address));
    return response.getOverallCode();
  }

  private static ManagedChannel channel(XdsNode node) {
    return NettyChannelBuilder.forAddress("127.0.0.1", node.rateLimitPort().orElseThrow())
        .usePlaintext()
        .build();
  }

  @Test
  void aLimitFromAPolicyHoldsAcrossTwoReplicasSharingRedis() {
    try (XdsNode first = XdsNode.start(settings("rls-1"));
        XdsNode second = XdsNode.start(settings("rls-2"))) {
      ManagedChannel one = channel(first);
      ManagedChannel two = channel(second);
      try {
        // Before the policy, the rule is unknown: every call is OK and counts nothing.
        assertThat(ask(one, "198.51.100.1")).isEqualTo(Code.OK);

        publish(CONFIG);
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    !first.rateLimitRules().domains().isEmpty()
                        && !second.rateLimitRules().domains().isEmpty());

        String client = "203.0.113.9";
        assertThat(List.of(ask(one, client), ask(two, client), ask(one, client)))
            .containsOnly(Code.OK);
        assertThat(ask(two, client)).isEqualTo(Code.OVER_LIMIT);
        assertThat(ask(one, client)).isEqualTo(Code.OVER_LIMIT);
        // Another client has a counter of its own.
        assertThat(ask(two, "203.0.113.10")).isEqualTo(Code.OK);
      } finally {
        one.shutdownNow();
        two.shutdownNow();
      }
    }
  }
}
