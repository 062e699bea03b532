package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.xds.pipeline.Holdoff;
import io.meshgate.xds.pipeline.Inputs;
import io.meshgate.xds.pipeline.ManualScheduler;
import io.meshgate.xds.pipeline.SnapshotBuilder;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.translate.Cases;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 24 §3 at the stream: under bursts of config changes (a Backend's endpoints, a route), each
 * inside one holdoff window, a connected proxy gets at most one response per type per window — in
 * state of the world and in delta. The path is the replica's: the {@link Holdoff} (on a manual
 * clock, with the node's defaults, 100 ms of quiet and 1 s at most), the {@link SnapshotBuilder}'s
 * build of each config, the {@link SnapshotStore}, and ADS streams of the real {@link AdsService}
 * (in-process gRPC, direct executors, so every push happens inside the clock step that causes it).
 * What it leaves out of the pipeline is its thread and the key and identity lookups, which this
 * config does not use. The clients ACK every response at once, as the bench's fleet does.
 */
class OnePushPerWindowTest {
  private static final int BACKENDS = 5;
  private static final int CHANGES_PER_BURST = 20;
  private static final Duration CHANGE_SPACING = Duration.ofMillis(20);
  private static final Duration BURST_EVERY = Duration.ofSeconds(1);
  private static final List<String> ASSIGNMENTS =
      IntStream.range(0, BACKENDS).mapToObj(b -> "default/svc-" + b).toList();
  private static final Node NODE =
      Node.newBuilder()
          .setId("grpc-1")
          .setMetadata(
              Struct.newBuilder()
                  .putFields(ProxyGroups.PROXYLESS, Value.newBuilder().setBoolValue(true).build()))
          .build();

  private final List<AutoCloseable> closing = new ArrayList<>();
  private final ManualScheduler clock = new ManualScheduler();
  private final SnapshotStore store = new SnapshotStore();
  private final SnapshotBuilder builder = new SnapshotBuilder();
  private final int[] ports = new int[BACKENDS];
  private String marker = "v0";
  private long revision;
  private final Holdoff holdoff =
      new Holdoff(Holdoff.DEFAULT_QUIET, Holdoff.DEFAULT_MAX, clock, this::rebuild);

  @AfterEach
  void close() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  /** What the pipeline's rebuild does with a config: build it, publish the groups. */
  private void rebuild() {
    ConfigSnapshot config = Cases.snapshot(yaml());
    store.replaceAll(builder.build(Inputs.withoutKeys(config)).snapshots(), ++revision);
  }

  /** The config applied to etcd changed (the view's callback): the holdoff decides. */
  private void changed() {
    holdoff.changed();
  }

  private String yaml() {
    StringBuilder yaml =
        new StringBuilder(
            """
            apiVersion: meshgate.io/v1alpha1
            kind: Backend
            metadata: {name: echo}
            spec: {protocol: GRPC, static: {endpoints: [{address: 10.1.0.1, port: 50051}]}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: echo}
            spec:
              parentRefs: [{group: meshgate.io, kind: Backend, name: echo}]
              rules:
                - filters:
                    - type: RequestHeaderModifier
                      requestHeaderModifier: {set: [{name: x-marker, value: MARKER}]}
                  backendRefs: [{name: echo}]
            """
                .replace("MARKER", marker));
    for (int b = 0; b < BACKENDS; b++) {
      yaml.append(
          """
          ---
          apiVersion: meshgate.io/v1alpha1
          kind: Backend
          metadata: {name: svc-INDEX}
          spec: {static: {endpoints: [{address: 10.2.0.INDEX, port: PORT}, {address: 10.2.1.INDEX, port: 9000}]}}
          """
              .replace("INDEX", Integer.toString(b))
              .replace("PORT", Integer.toString(9000 + ports[b])));
    }
    return yaml.toString();
  }

  /** Responses of each type a stream got in one window, after ACKing each at once. */
  private record Window(
      Map<String, Integer> sotw, Map<String, Integer> delta, List<List<String>> deltaEds) {}

  private final class Clients {
    final AdsClients.Sotw sotw;
    final AdsClients.Delta delta;
    Map<String, Integer> sotwCounts = new HashMap<>();
    Map<String, Integer> deltaCounts = new HashMap<>();

    /** The names of the assignments each delta EDS response of the window carried. */
    List<List<String>> deltaAssignments = new ArrayList<>();

    Clients(ManagedChannel channel) {
      sotw = new AdsClients.Sotw(channel);
      delta = new AdsClients.Delta(channel);
      sotw.ask(NODE, TypeUrls.ROUTE, List.of("echo.default"));
      sotw.ask(NODE, TypeUrls.ENDPOINT, ASSIGNMENTS);
      delta.ask(NODE, TypeUrls.ROUTE, List.of("echo.default"));
      delta.ask(NODE, TypeUrls.ENDPOINT, ASSIGNMENTS);
    }

    /** Answers what arrived with an ACK each, counting it, until nothing more arrives. */
    void ackAll() {
      boolean any = true;
      while (any) {
        any = false;
        DiscoveryResponse s;
        while ((s = sotw.received.poll()) != null) {
          any = true;
          sotwCounts.merge(s.getTypeUrl(), 1, Integer::sum);
          List<String> names =
              s.getTypeUrl().equals(TypeUrls.ENDPOINT) ? ASSIGNMENTS : List.of("echo.default");
          sotw.request(NODE, s.getTypeUrl(), names, s.getVersionInfo(), s.getNonce(), false);
        }
        DeltaDiscoveryResponse d;
        while ((d = delta.received.poll()) != null) {
          any = true;
          deltaCounts.merge(d.getTypeUrl(), 1, Integer::sum);
          if (d.getTypeUrl().equals(TypeUrls.ENDPOINT)) {
            deltaAssignments.add(d.getResourcesList().stream().map(Resource::getName).toList());
          }
          delta.ack(NODE, d.getTypeUrl(), d.getNonce());
        }
      }
    }

    Window take() {
      Window window =
          new Window(
              Map.copyOf(sotwCounts), Map.copyOf(deltaCounts), List.copyOf(deltaAssignments));
      sotwCounts = new HashMap<>();
      deltaCounts = new HashMap<>();
      deltaAssignments = new ArrayList<>();
      return window;
    }
  }

  /** Moves the clock on in steps of the changes' spacing, ACKing what each step pushed. */
  private void advance(Duration by, Clients clients) {
    for (Duration left = by; !left.isZero(); left = left.minus(CHANGE_SPACING)) {
      clock.advance(CHANGE_SPACING);
      clients.ackAll();
    }
  }

  /**
   * One burst and the calm after it, for one window ({@link #BURST_EVERY}): 20 changes 20 ms apart
   * (400 ms; shorter than the holdoff's maximum), each moving one Backend's endpoint, the tenth
   * also the route's marker.
   */
  private Window burst(int burst, Clients clients) {
    for (int k = 0; k < CHANGES_PER_BURST; k++) {
      ports[k % BACKENDS] = burst * 100 + k + 1;
      if (k == CHANGES_PER_BURST / 2) {
        marker = "v" + (burst + 1);
      }
      changed();
      clients.ackAll();
      advance(CHANGE_SPACING, clients);
    }
    advance(BURST_EVERY.minus(CHANGE_SPACING.multipliedBy(CHANGES_PER_BURST)), clients);
    return clients.take();
  }

  @Test
  void aStreamGetsAtMostOneResponsePerTypeInEachWindowOfABurstOfConfigChanges() throws Exception {
    // given: the replica built its config, and a state-of-the-world and a delta proxy hold the
    // route table and five assignments, each ACKed
    changed();
    String name = "one-push-" + System.nanoTime();
    Server server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(new AdsService(store, Authorizer.anonymousAllowed()))
            .build()
            .start();
    closing.add(server::shutdownNow);
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    closing.add(channel::shutdownNow);
    Clients clients = new Clients(channel);
    clients.ackAll();
    Window connected = clients.take();
    assertThat(connected.sotw()).containsEntry(TypeUrls.ENDPOINT, 1);
    assertThat(connected.delta()).containsEntry(TypeUrls.ENDPOINT, 1);
    // and a calm longer than the holdoff's maximum
    advance(Duration.ofSeconds(2), clients);
    assertThat(clients.take().sotw()).isEmpty();

    // when: a burst after the calm; its first change is built at once (a lone change is not
    // delayed), the rest with the next build
    Window first = burst(0, clients);

    // then: the leading edge and the rest, no more
    assertThat(first.sotw().get(TypeUrls.ENDPOINT)).isBetween(1, 2);
    assertThat(first.delta().get(TypeUrls.ENDPOINT)).isBetween(1, 2);

    // when: four more bursts, one per window, each starting less than the holdoff's maximum after
    // the last build (steady churn: scenario 3's ticks)
    List<Window> windows = new ArrayList<>();
    for (int b = 1; b <= 4; b++) {
      windows.add(burst(b, clients));
    }

    // then: each window brought each stream exactly one route table and one EDS response
    for (Window window : windows) {
      assertThat(window.sotw())
          .as("state-of-the-world responses per type in one window")
          .containsExactlyInAnyOrderEntriesOf(Map.of(TypeUrls.ROUTE, 1, TypeUrls.ENDPOINT, 1));
      assertThat(window.delta())
          .as("delta responses per type in one window")
          .containsExactlyInAnyOrderEntriesOf(Map.of(TypeUrls.ROUTE, 1, TypeUrls.ENDPOINT, 1));
      // the one delta EDS response carried all five assignments the burst changed
      assertThat(window.deltaEds()).singleElement().asList().hasSameElementsAs(ASSIGNMENTS);
    }
  }
}
