package io.meshgate.xds.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.testkit.grpc.EchoServers;
import io.meshgate.testkit.grpc.GrpcXdsClient;
import io.meshgate.testkit.grpc.Tally;
import io.meshgate.xds.pipeline.Inputs;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.security.ProxyAuthenticator;
import io.meshgate.xds.security.ProxyCa;
import io.meshgate.xds.security.TokenCheck;
import io.meshgate.xds.serve.AdsService;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.translate.Cases;
import io.meshgate.xds.translate.TestConfigs;
import io.netty.handler.ssl.ClientAuth;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * grpc-java's xDS client over TLS with a client certificate: its group's config, and nothing else.
 */
class SecureProxylessIT {
  @RegisterExtension static EchoServers echo = EchoServers.named("secure");
  @TempDir static Path dir;

  private static final SnapshotStore store = new SnapshotStore();
  private static Server ads;

  @BeforeAll
  static void serve() throws Exception {
    ProxyCa ca = ProxyCa.init(dir.resolve("ca"));
    ca.issueServer(List.of("localhost"), List.of("127.0.0.1"), Duration.ofHours(1))
        .writeTo(dir.resolve("server"));
    ca.issueClient("proxyless", Duration.ofHours(1)).writeTo(dir.resolve("proxyless"));
    ca.issueClient("gateway/default/edge", Duration.ofHours(1)).writeTo(dir.resolve("edge"));
    ads =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .sslContext(
                GrpcSslContexts.forServer(
                        dir.resolve("server/tls.crt").toFile(),
                        dir.resolve("server/tls.key").toFile())
                    .trustManager(dir.resolve("ca/ca.crt").toFile())
                    .clientAuth(ClientAuth.OPTIONAL)
                    .build())
            .addService(
                io.grpc.ServerInterceptors.intercept(
                    new AdsService(store, new Authorizer(TokenCheck.NONE, false)),
                    new ProxyAuthenticator()))
            .build()
            .start();
    String yaml =
        "apiVersion: meshgate.io/v1alpha1\nkind: Backend\nmetadata: {name: echo}\n"
            + "spec: {protocol: GRPC, static: {endpoints: [{address: 127.0.0.1, port: "
            + echo.address("secure").getPort()
            + ", zone: z1}]}}\n";
    ConfigSnapshot config = TestConfigs.snapshot(yaml);
    store.replaceAll(
        Cases.translate(Inputs.withoutKeys(config)).groups().stream()
            .map(g -> GroupSnapshot.of(g, 1))
            .toList());
  }

  @AfterAll
  static void stop() {
    ads.shutdownNow();
  }

  private static GrpcXdsClient client(String certificateDir) {
    return GrpcXdsClient.connectTo(
            new InetSocketAddress(
                "127.0.0.1", ((InetSocketAddress) ads.getListenSockets().get(0)).getPort()))
        .nodeId("secure-" + certificateDir)
        .nodeCluster("proxyless")
        .locality("", "z1")
        .metadata("meshgate.io/proxyless", "true")
        .tls(
            dir.resolve("ca/ca.crt"),
            dir.resolve(certificateDir + "/tls.crt"),
            dir.resolve(certificateDir + "/tls.key"))
        .build();
  }

  @Test
  void aClientWithItsGroupsCertificateGetsItsConfigAndRoutesCalls() {
    try (GrpcXdsClient client = client("proxyless")) {
      ManagedChannel channel = client.channel("echo.default");

      await()
          .atMost(Duration.ofSeconds(20))
          .ignoreExceptions()
          .until(() -> EchoServers.tally(channel, 5).answeredBy("secure") == 5);
    }
  }

  @Test
  void theSameClientWithAnotherGroupsCertificateIsRefused() {
    try (GrpcXdsClient client = client("edge")) {
      ManagedChannel channel = client.channel("echo.default");

      // The stream is refused with PERMISSION_DENIED; grpc-xds reports it as UNAVAILABLE to calls.
      Tally calls = EchoServers.tally(channel, 3);
      assertThat(calls.answeredBy("secure")).as("%s", calls).isZero();
      assertThat(calls.total()).isEqualTo(3);
    }
  }
}
