package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.security.PeerIdentity;
import io.meshgate.xds.security.TokenCheck;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeUrls;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A proxy token is checked for the stream's whole life: the stream ends when the token does. */
class CredentialLifetimeTest {
  private static final String GROUP = "gateway/default/edge";
  private static final Instant VALID_UNTIL = Instant.parse("2026-12-06T12:01:00Z");
  private static final Node NODE = Node.newBuilder().setId("edge-1").build();

  private final AdsService ads =
      new AdsService(
          new SnapshotStore(),
          new Authorizer(
              (token, nodeId) ->
                  token.equals("good")
                      ? new TokenCheck.Result.Valid(GROUP, VALID_UNTIL)
                      : new TokenCheck.Result.Invalid("bad signature"),
              false));
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    servers.forEach(Server::shutdownNow);
  }

  private AdsClients.Sotw open(PeerIdentity identity) throws Exception {
    String name = "lifetime-" + System.nanoTime();
    servers.add(
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(ServerInterceptors.intercept(ads, AdsClients.presenting(identity)))
            .build()
            .start());
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    channels.add(channel);
    AdsClients.Sotw client = new AdsClients.Sotw(channel);
    client.ask(NODE, TypeUrls.LISTENER, List.of());
    return client;
  }

  @Test
  void aTokenStreamEndsWhenItsTokenStopsBeingValidAndACertificateStreamDoesNot() throws Exception {
    // given: one stream on a token, one on a client certificate
    AdsClients.Sotw byToken = open(new PeerIdentity(Optional.empty(), Optional.of("good")));
    AdsClients.Sotw byCertificate = open(new PeerIdentity(Optional.of(GROUP), Optional.empty()));
    assertThat(ads.streams()).hasSize(2);

    // when: a second before the token's end, nothing happens
    assertThat(ads.endExpiredCredentials(VALID_UNTIL.minusSeconds(1))).isZero();
    assertThat(byToken.errors).isEmpty();

    // when: at its end
    int ended = ads.endExpiredCredentials(VALID_UNTIL);

    // then: the token's stream ends with UNAUTHENTICATED and leaves; the other stays
    assertThat(ended).isEqualTo(1);
    Status status = Status.fromThrowable(byToken.errors.peek());
    assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(status.getDescription()).contains("proxy token expired at " + VALID_UNTIL);
    assertThat(byCertificate.errors).isEmpty();
    assertThat(ads.streams()).singleElement().extracting(StreamStatus::group).isEqualTo(GROUP);
    assertThat(ads.endExpiredCredentials(VALID_UNTIL.plusSeconds(60))).isZero();
  }
}
