package io.meshgate.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Every edge service is served the same way: with its health, on an address a setting names. */
class EdgeServerTest {
  private static ServingStatus health(ManagedChannel channel, String service) {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build())
        .getStatus();
  }

  @Test
  void healthFollowsTheServicesDependencyUnderItsNameAndTheEmptyName() throws Exception {
    AtomicBoolean up = new AtomicBoolean(true);
    EdgeServer server =
        EdgeServer.start(
            "a test service",
            new InetSocketAddress("127.0.0.1", 0),
            ServerServiceDefinition.builder("test.Service").build(),
            up::get);
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      assertThat(health(channel, "test.Service")).isEqualTo(ServingStatus.SERVING);
      assertThat(health(channel, "")).isEqualTo(ServingStatus.SERVING);

      up.set(false);
      assertThat(health(channel, "test.Service")).isEqualTo(ServingStatus.NOT_SERVING);
      assertThat(health(channel, "")).isEqualTo(ServingStatus.NOT_SERVING);

      assertThatThrownBy(() -> health(channel, "other.Service"))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.close();
    }
    assertThat(server.terminated()).isTrue();
  }

  @Test
  void aTakenAddressIsRefusedWithTheServiceNamed() {
    EdgeServer first =
        EdgeServer.start(
            "a test service",
            new InetSocketAddress("127.0.0.1", 0),
            ServerServiceDefinition.builder("test.Service").build(),
            () -> true);
    try {
      assertThatThrownBy(
              () ->
                  EdgeServer.start(
                      "the second service",
                      new InetSocketAddress("127.0.0.1", first.port()),
                      ServerServiceDefinition.builder("test.Service").build(),
                      () -> true))
          .hasMessageStartingWith("cannot serve the second service on");
    } finally {
      first.close();
    }
  }

  @Test
  void anAddressIsHostAndPortAndAnErrorNamesTheSetting() {
    assertThat(EdgeServer.parseAddress("X_ADDR", "127.0.0.1:1", "[::1]:9000").getPort())
        .isEqualTo(9000);
    assertThatThrownBy(() -> EdgeServer.parseAddress("X_ADDR", "127.0.0.1:1", "localhost"))
        .hasMessage("X_ADDR: 'localhost' (expected: host:port, like 127.0.0.1:1)");
    assertThatThrownBy(() -> EdgeServer.parseAddress("X_ADDR", "127.0.0.1:1", "h:70000"))
        .hasMessage("X_ADDR: port 70000 (expected: 0..65535)");
  }
}
