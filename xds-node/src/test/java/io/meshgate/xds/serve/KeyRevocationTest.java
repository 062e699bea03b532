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
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A stream opened with a token ends when the key that signed the token is revoked. */
class KeyRevocationTest {
  private static final String GROUP = "gateway/default/edge";
  private static final Instant VALID_UNTIL = Instant.parse("2026-12-06T13:00:00Z");
  private static final Node NODE = Node.newBuilder().setId("edge-1").build();

  // The token names its kid: "token-by-A" is signed by kid A.
  private final AdsService ads =
      new AdsService(
          new SnapshotStore(),
          new Authorizer(
              (token, nodeId) ->
                  new TokenCheck.Result.Valid(
                      GROUP, VALID_UNTIL, Optional.of(token.substring("token-by-".length()))),
              false));
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    servers.forEach(Server::shutdownNow);
  }

  private AdsClients.Sotw open(PeerIdentity identity) throws Exception {
    String name = "revocation-" + System.nanoTime();
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
  void aStreamWhoseKeyIsRevokedEndsAndOthersStay() throws Exception {
    // given: streams on a token by A, a token by B and a client certificate
    AdsClients.Sotw byA = open(new PeerIdentity(Optional.empty(), Optional.of("token-by-A")));
    AdsClients.Sotw byB = open(new PeerIdentity(Optional.empty(), Optional.of("token-by-B")));
    AdsClients.Sotw byCertificate = open(new PeerIdentity(Optional.of(GROUP), Optional.empty()));
    assertThat(ads.streams()).hasSize(3);

    // when: both keys live, nothing ends
    assertThat(ads.endRevokedCredentials(Set.of("A", "B")::contains)).isZero();
    assertThat(byA.errors).isEmpty();

    // when: A is revoked
    int ended = ads.endRevokedCredentials(Set.of("B")::contains);

    // then: A's stream ends with UNAUTHENTICATED naming the key; B's and the certificate's stay
    assertThat(ended).isEqualTo(1);
    Status status = Status.fromThrowable(byA.errors.peek());
    assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(status.getDescription()).contains("the proxy token's signing key A was revoked");
    assertThat(byB.errors).isEmpty();
    assertThat(byCertificate.errors).isEmpty();
    assertThat(ads.streams()).hasSize(2);
    assertThat(ads.endRevokedCredentials(Set.of("B")::contains)).isZero();
    // and the expiry sweep no longer knows of A's stream either
    assertThat(ads.endExpiredCredentials(VALID_UNTIL)).isEqualTo(1);
  }
}
