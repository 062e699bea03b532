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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StreamAdmissionTest {
  private static final Node NODE = Node.newBuilder().setId("n").setCluster("g").build();

  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    servers.forEach(Server::shutdownNow);
  }

  private ManagedChannel serve(AdsService ads, PeerIdentity identity) throws Exception {
    String name = "admission-" + System.nanoTime();
    servers.add(
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(ServerInterceptors.intercept(ads, AdsClients.presenting(identity)))
            .build()
            .start());
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    channels.add(channel);
    return channel;
  }

  private static List<AdsClients.Sotw> ask(ManagedChannel channel, int count) {
    List<AdsClients.Sotw> clients =
        IntStream.range(0, count).mapToObj(i -> new AdsClients.Sotw(channel)).toList();
    clients.forEach(c -> c.ask(NODE, TypeUrls.LISTENER, List.of()));
    return clients;
  }

  private static long refusedWith(List<AdsClients.Sotw> clients, Status.Code code) {
    return clients.stream()
        .filter(c -> !c.errors.isEmpty())
        .filter(c -> Status.fromThrowable(c.errors.peek()).getCode() == code)
        .count();
  }

  @Test
  void theBucketHoldsOneSecondOfStreamsAndRefillsAtTheRate() {
    AtomicLong now = new AtomicLong();
    StreamAdmission admission = new StreamAdmission(3, 1_000, now::get);

    assertThat(admission.open()).isEqualTo(StreamAdmission.Outcome.ADMITTED);
    assertThat(admission.open()).isEqualTo(StreamAdmission.Outcome.ADMITTED);
    assertThat(admission.open()).isEqualTo(StreamAdmission.Outcome.ADMITTED);
    assertThat(admission.open())
        .as("a burst beyond one second's worth")
        .isEqualTo(StreamAdmission.Outcome.TOO_FAST);

    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(334));
    assertThat(admission.open())
        .as("a third of a second later: one more")
        .isEqualTo(StreamAdmission.Outcome.ADMITTED);
    assertThat(admission.open()).isEqualTo(StreamAdmission.Outcome.TOO_FAST);

    now.addAndGet(TimeUnit.SECONDS.toNanos(10));
    long admitted =
        IntStream.range(0, 10)
            .filter(i -> admission.open() == StreamAdmission.Outcome.ADMITTED)
            .count();
    assertThat(admitted).as("never more than the bucket holds").isEqualTo(3);
    assertThat(admission.open()).isEqualTo(StreamAdmission.Outcome.TOO_FAST);
    assertThat(admission.refused()).isEqualTo(10 - 3 + 3);
  }

  @Test
  void openStreamsAreCappedAndOneThatEndsMakesRoom() {
    StreamAdmission admission = new StreamAdmission(1_000, 2, () -> 0L);

    assertThat(admission.open()).isEqualTo(StreamAdmission.Outcome.ADMITTED);
    assertThat(admission.open()).isEqualTo(StreamAdmission.Outcome.ADMITTED);
    assertThat(admission.open()).isEqualTo(StreamAdmission.Outcome.FULL);
    admission.closed();

    assertThat(admission.open()).isEqualTo(StreamAdmission.Outcome.ADMITTED);
    assertThat(admission.open()).isEqualTo(StreamAdmission.Outcome.FULL);
  }

  @Test
  void streamsOverTheRateAreRefusedWithUnavailableAndCounted() throws Exception {
    AdsService ads =
        new AdsService(new SnapshotStore(), Authorizer.anonymousAllowed(), new StreamAdmission(2));

    List<AdsClients.Sotw> clients = ask(serve(ads, PeerIdentity.NONE), 5);

    assertThat(refusedWith(clients, Status.Code.UNAVAILABLE)).isEqualTo(3);
    assertThat(ads.refused()).isEqualTo(3);
    assertThat(ads.streams()).hasSize(2);
  }

  @Test
  void streamsOverTheCapAreRefusedWithResourceExhaustedAndOneThatEndsMakesRoom() throws Exception {
    AdsService ads =
        new AdsService(
            new SnapshotStore(), Authorizer.anonymousAllowed(), new StreamAdmission(1_000, 2));
    ManagedChannel channel = serve(ads, PeerIdentity.NONE);

    // when: three proxies for room for two
    List<AdsClients.Sotw> first = ask(channel, 3);

    // then
    assertThat(refusedWith(first, Status.Code.RESOURCE_EXHAUSTED)).isEqualTo(1);
    assertThat(ads.streams()).hasSize(2);

    // when: one of them goes away, another proxy gets its place
    first.stream().filter(c -> c.errors.isEmpty()).findFirst().orElseThrow().cancel();
    List<AdsClients.Sotw> later = ask(channel, 1);

    assertThat(later.get(0).errors).isEmpty();
    assertThat(ads.streams()).hasSize(2);
  }

  @Test
  void streamsWithoutCredentialsUseNoneOfTheAdmission() throws Exception {
    // given: credentials required, room for two streams and two new ones per second
    AdsService ads =
        new AdsService(
            new SnapshotStore(), new Authorizer(TokenCheck.NONE, false), new StreamAdmission(2, 2));

    // when: ten streams without credentials, then two with a client certificate
    List<AdsClients.Sotw> anonymous = ask(serve(ads, PeerIdentity.NONE), 10);
    PeerIdentity edge = new PeerIdentity(Optional.of("gateway/default/edge"), Optional.empty());
    List<AdsClients.Sotw> authenticated = ask(serve(ads, edge), 2);

    // then: the anonymous ones are refused by the authorizer and used up nothing
    assertThat(refusedWith(anonymous, Status.Code.UNAUTHENTICATED)).isEqualTo(10);
    assertThat(ads.refused()).isZero();
    assertThat(authenticated).allSatisfy(c -> assertThat(c.errors).isEmpty());
    assertThat(ads.streams()).hasSize(2);
  }
}
