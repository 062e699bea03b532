package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeUrls;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class StreamAdmissionTest {
  @Test
  void theBucketHoldsOneSecondOfStreamsAndRefillsAtTheRate() {
    AtomicLong now = new AtomicLong();
    StreamAdmission admission = new StreamAdmission(3, now::get);

    assertThat(admission.tryAdmit()).isTrue();
    assertThat(admission.tryAdmit()).isTrue();
    assertThat(admission.tryAdmit()).isTrue();
    assertThat(admission.tryAdmit()).as("a burst beyond one second's worth").isFalse();

    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(334));
    assertThat(admission.tryAdmit()).as("a third of a second later: one more").isTrue();
    assertThat(admission.tryAdmit()).isFalse();

    now.addAndGet(TimeUnit.SECONDS.toNanos(10));
    long admitted =
        java.util.stream.IntStream.range(0, 10).filter(i -> admission.tryAdmit()).count();
    assertThat(admitted).as("never more than the bucket holds").isEqualTo(3);
  }

  @Test
  void streamsOverTheLimitAreRefusedWithUnavailableAndCounted() throws Exception {
    String name = "admission-" + System.nanoTime();
    AdsService ads =
        new AdsService(new SnapshotStore(), Authorizer.anonymousAllowed(), new StreamAdmission(2));
    Server server =
        InProcessServerBuilder.forName(name).directExecutor().addService(ads).build().start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    try {
      List<AdsClients.Sotw> clients =
          java.util.stream.IntStream.range(0, 5)
              .mapToObj(i -> new AdsClients.Sotw(channel))
              .toList();
      Node node = Node.newBuilder().setId("n").setCluster("g").build();
      clients.forEach(c -> c.ask(node, TypeUrls.LISTENER, List.of()));

      long refused =
          clients.stream()
              .filter(c -> !c.errors.isEmpty())
              .filter(
                  c -> Status.fromThrowable(c.errors.peek()).getCode() == Status.Code.UNAVAILABLE)
              .count();
      assertThat(refused).isEqualTo(3);
      assertThat(ads.refused()).isEqualTo(3);
      assertThat(ads.streams()).hasSize(2);
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
    }
  }
}
