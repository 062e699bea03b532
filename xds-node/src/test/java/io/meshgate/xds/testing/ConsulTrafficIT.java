package io.meshgate.xds.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.EndpointDiscovery;
import io.meshgate.discovery.consul.ConsulClient;
import io.meshgate.discovery.consul.ConsulSettings;
import io.meshgate.testkit.ConsulApiDouble;
import io.meshgate.testkit.ConsulApiDouble.CheckStatus;
import io.meshgate.testkit.ConsulApiDouble.Instance;
import io.meshgate.testkit.grpc.EchoServers;
import io.meshgate.testkit.grpc.GrpcXdsClient;
import io.meshgate.testkit.grpc.Tally;
import io.meshgate.xds.pipeline.Pipeline;
import io.meshgate.xds.serve.AdsService;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.translate.TestConfigs;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * grpc-java's xDS client, a real and independent consumer, calls real echo servers through a
 * Backend fed by Consul (testkit's {@link ConsulApiDouble}), on the production path: blocking query
 * → discovery → pipeline → snapshot → our ADS server → grpc-xds. Its traffic follows registrations,
 * health and deregistrations.
 */
class ConsulTrafficIT {
  @RegisterExtension static EchoServers echo = EchoServers.named("a", "b");

  private static Instance instance(String id, String name) {
    return Instance.of("echo", id, "node-" + id, "127.0.0.1", echo.address(name).getPort());
  }

  @Test
  void callsFollowConsulRegistrationsHealthAndDeregistrations() throws Exception {
    SnapshotStore store = new SnapshotStore();
    Server ads =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(new AdsService(store))
            .build()
            .start();
    try (ConsulApiDouble consul = ConsulApiDouble.create();
        Pipeline pipeline = new Pipeline(store, Duration.ofMillis(20), Duration.ofMillis(200));
        EndpointDiscovery discovery =
            new EndpointDiscovery(
                ConsulClient.of(ConsulSettings.at(URI.create(consul.address()))),
                pipeline::accept,
                Clock.systemUTC())) {
      // given: echo a registered in Consul, and a Backend fed by Consul's echo
      consul.register("dc1", instance("echo-a", "a"));
      ConfigSnapshot config =
          TestConfigs.snapshot(
              """
              apiVersion: meshgate.io/v1alpha1
              kind: Backend
              metadata: {name: echo}
              spec: {protocol: GRPC, consul: {service: echo}}
              """);
      discovery.configChanged(config);
      pipeline.accept(config);
      GrpcXdsClient client =
          GrpcXdsClient.connectTo(
                  new InetSocketAddress(
                      InetAddress.getLoopbackAddress(),
                      ((InetSocketAddress) ads.getListenSockets().get(0)).getPort()))
              .nodeId("consul-traffic")
              .nodeCluster("proxyless")
              .metadata("meshgate.io/proxyless", "true")
              .build();
      try {
        ManagedChannel channel = client.channel("echo.default");

        // then: every call reaches a
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> EchoServers.tally(channel, 20).answeredBy("a") == 20);

        // when b registers: calls reach both
        consul.register("dc1", instance("echo-b", "b"));
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> {
                  Tally both = EchoServers.tally(channel, 40);
                  return both.answeredBy("a") > 0 && both.answeredBy("b") > 0;
                });

        // when a's check turns critical: calls reach b only
        consul.setCheckStatus("dc1", "echo-a", CheckStatus.CRITICAL);
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> EchoServers.tally(channel, 20).answeredBy("b") == 20);

        // when b deregisters and a is healthy again: calls reach a only, none fails
        consul.setCheckStatus("dc1", "echo-a", CheckStatus.PASSING);
        consul.deregister("dc1", "echo-b");
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> EchoServers.tally(channel, 20).answeredBy("a") == 20);
        Tally last = EchoServers.tally(channel, 40);
        assertThat(last.failedWith(Status.Code.UNAVAILABLE)).isZero();
        assertThat(last.answeredBy("a")).isEqualTo(40);
      } finally {
        client.close();
      }
    } finally {
      ads.shutdownNow();
    }
  }
}
