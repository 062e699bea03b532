package io.meshgate.bench.fleet;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.grpc.Channel;
import io.meshgate.testkit.ads.AdsClient;
import io.meshgate.testkit.ads.AdsObserver;
import io.meshgate.testkit.ads.Answer;
import io.meshgate.testkit.ads.NodeSent;
import io.meshgate.testkit.ads.Protocol;
import io.meshgate.testkit.ads.Received;
import io.meshgate.testkit.ads.ResourceType;
import io.meshgate.testkit.ads.StreamEnd;
import io.meshgate.testkit.ads.Subscription;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One simulated proxy of the proxyless group: subscribes to the listener, route table, cluster and
 * assignment of one Backend over testkit's {@link AdsClient} (which unpacks every resource into its
 * type, ACKs a response at once or NACKs it with the previously accepted version and an error
 * detail, as Envoy does), and records when a route table holding a marker string first arrived and
 * was ACKed or NACKed. A client made with {@link #rejects} also refuses the route table carrying
 * one marker: the injected rejection of the {@code nack} scenario. A client made with {@link
 * #sidecar} is one sidecar's Envoy instead, subscribing to its upstreams' clusters and assignments,
 * and reads its marker from an assignment: an endpoint on port {@value #MARKER_PORT_BASE} + N is
 * marker {@code bench-vN}. Every request carries the node. Thread-safe.
 */
final class FleetClient {
  static final String LISTENER = ResourceType.LISTENER.typeUrl();
  static final String ROUTE = ResourceType.ROUTE.typeUrl();
  static final String CLUSTER = ResourceType.CLUSTER.typeUrl();
  static final String ENDPOINT = ResourceType.ENDPOINT.typeUrl();

  private static final Map<String, List<String>> NAMES =
      Map.of(
          LISTENER, List.of("echo.default"),
          ROUTE, List.of("echo.default"),
          CLUSTER, List.of("default/echo"),
          ENDPOINT, List.of("default/echo"));

  /** The order of the first requests on a stream. */
  private static final List<ResourceType> REQUEST_ORDER =
      List.of(
          ResourceType.CLUSTER, ResourceType.ENDPOINT, ResourceType.LISTENER, ResourceType.ROUTE);

  /** An endpoint on this port plus N marks the assignment holding it as {@code bench-vN}. */
  static final int MARKER_PORT_BASE = 30_000;

  private final boolean delta;
  private final boolean endpointMarkers;
  private final AdsClient ads;
  private final Map<String, Long> markerAckedMicros = new ConcurrentHashMap<>();
  private final Map<String, Long> markerNackedMicros = new ConcurrentHashMap<>();

  private volatile String rejectedMarker;
  private volatile long bytesReceived;
  private volatile int endpointResponses;
  private volatile long endpointResources;

  /** The serialized size of each assignment last received, by name: the EDS lower bound. */
  private final Map<String, Integer> assignmentBytes = new ConcurrentHashMap<>();

  /**
   * The highest endpoint port of each assignment held, by name: in the churn config, {@code 9000 +}
   * the last tick that changed it, so it tells which change a client holds.
   */
  private final Map<String, Integer> assignmentPorts = new ConcurrentHashMap<>();

  private volatile long endpointBytes;
  private volatile long assignmentsChanged;
  private volatile long assignmentsUnchanged;

  private final Set<String> endpointNames = ConcurrentHashMap.newKeySet();
  private volatile int lastSotwEndpoints;
  // Written only by the stream's callbacks, which the AdsClient makes one at a time.
  private volatile int nacks;
  private volatile int resentAfterNack;
  private volatile Throwable error;
  private volatile int refusals;
  private volatile boolean closed;
  private volatile Channel channel;
  private int attempt;

  FleetClient(String nodeId, boolean delta) {
    this(nodeId, delta, NAMES);
  }

  /** A client subscribing to these names per type (and only to these types). */
  FleetClient(String nodeId, boolean delta, Map<String, List<String>> names) {
    this(
        Node.newBuilder()
            .setId(nodeId)
            .setCluster("proxyless")
            .setMetadata(
                Struct.newBuilder()
                    .putFields(
                        "meshgate.io/proxyless", Value.newBuilder().setStringValue("true").build()))
            .build(),
        delta,
        names,
        false);
  }

  private FleetClient(
      Node node, boolean delta, Map<String, List<String>> names, boolean endpointMarkers) {
    this.delta = delta;
    this.endpointMarkers = endpointMarkers;
    AdsClient.Builder builder =
        AdsClient.builder(node, delta ? Protocol.DELTA : Protocol.SOTW)
            .nodeSent(NodeSent.ON_EVERY_REQUEST)
            .observer(new Observer());
    for (ResourceType type : REQUEST_ORDER) {
      if (names.containsKey(type.typeUrl())) {
        builder.subscribe(type, Subscription.named(names.get(type.typeUrl())));
      }
    }
    this.ads = builder.build();
  }

  /**
   * The Envoy of Sidecar {@code sidecar} (namespace default; node metadata {@code
   * meshgate.io/sidecar}), subscribing to the clusters and assignments named {@code clusters}.
   */
  static FleetClient sidecar(String nodeId, String sidecar, boolean delta, List<String> clusters) {
    Node node =
        Node.newBuilder()
            .setId(nodeId)
            .setCluster(sidecar)
            .setMetadata(
                Struct.newBuilder()
                    .putFields(
                        "meshgate.io/sidecar", Value.newBuilder().setStringValue(sidecar).build()))
            .build();
    return new FleetClient(node, delta, Map.of(CLUSTER, clusters, ENDPOINT, clusters), true);
  }

  /** This client also refuses any route table carrying {@code marker}. Call before connecting. */
  FleetClient rejects(String marker) {
    this.rejectedMarker = marker;
    return this;
  }

  /**
   * Opens the stream (from nothing, as at first); when it fails, opens it again after a jittered
   * exponential backoff (250 ms doubling to 4 s), as Envoy and gRPC do.
   */
  void connect(Channel channel) {
    this.channel = channel;
    ads.open(channel);
  }

  static long nowMicros() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
  }

  /** When a route table holding {@code marker} was ACKed (epoch microseconds), or null. */
  Long acked(String marker) {
    return markerAckedMicros.get(marker);
  }

  long bytesReceived() {
    return bytesReceived;
  }

  /** Assignments (and, in delta, removals) the EDS responses on this stream carried. */
  long endpointResources() {
    return endpointResources;
  }

  /** EDS responses received on this stream. */
  int endpointResponses() {
    return endpointResponses;
  }

  /** The size of assignment {@code name} as last received (its {@code Any}); 0 if never. */
  int assignmentBytes(String name) {
    return assignmentBytes.getOrDefault(name, 0);
  }

  /** The highest endpoint port of assignment {@code name} as held; -1 if never received. */
  int assignmentPort(String name) {
    return assignmentPorts.getOrDefault(name, -1);
  }

  /** Bytes of the EDS responses received (whole responses, as serialized). */
  long endpointBytes() {
    return endpointBytes;
  }

  /** Assignments received that differed from the one held (by their highest port): changes. */
  long assignmentsChanged() {
    return assignmentsChanged;
  }

  /** Assignments received equal (by their highest port) to the one held: sent again. */
  long assignmentsUnchanged() {
    return assignmentsUnchanged;
  }

  /** Counts an assignment received, as a change or as the one held sent again. */
  private void heldAssignment(String name, ClusterLoadAssignment assignment) {
    int port =
        assignment.getEndpointsList().stream()
            .flatMap(l -> l.getLbEndpointsList().stream())
            .mapToInt(e -> e.getEndpoint().getAddress().getSocketAddress().getPortValue())
            .max()
            .orElse(0);
    Integer before = assignmentPorts.put(name, port);
    if (before == null || before != port) {
      assignmentsChanged++;
    } else {
      assignmentsUnchanged++;
    }
  }

  /** The assignment in {@code any}; the AdsClient unpacked it already, so this reads its cache. */
  private static ClusterLoadAssignment assignment(Any any) {
    try {
      return any.unpack(ClusterLoadAssignment.class);
    } catch (InvalidProtocolBufferException e) {
      return ClusterLoadAssignment.getDefaultInstance();
    }
  }

  /** How many of its assignments the client holds. */
  int endpointsHeld() {
    return delta ? endpointNames.size() : lastSotwEndpoints;
  }

  /** When a route table holding {@code marker} was first NACKed (epoch microseconds), or null. */
  Long nacked(String marker) {
    return markerNackedMicros.get(marker);
  }

  /** NACKs this client sent. */
  int nacks() {
    return nacks;
  }

  /** Responses that carried a marker this client had already NACKed: the server sent it again. */
  int resentAfterNack() {
    return resentAfterNack;
  }

  /** Streams refused or ended with UNAVAILABLE (each retried). */
  int refusals() {
    return refusals;
  }

  private void retry(Throwable t) {
    error = t;
    if (closed) {
      return;
    }
    refusals++;
    long base = Math.min(4_000, 250L << Math.min(attempt++, 4));
    long delay = base / 2 + java.util.concurrent.ThreadLocalRandom.current().nextLong(base / 2 + 1);
    RETRIES.schedule(() -> connect(channel), delay, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  private static final java.util.concurrent.ScheduledExecutorService RETRIES =
      java.util.concurrent.Executors.newScheduledThreadPool(
          1,
          r -> {
            Thread t = new Thread(r, "fleet-retries");
            t.setDaemon(true);
            return t;
          });

  Throwable error() {
    return error;
  }

  void close() {
    closed = true;
    ads.close();
  }

  /**
   * The markers ({@code bench-vN}) the route tables among {@code received}'s resources carry, and
   * for a sidecar client those of its assignments.
   */
  private Set<String> markers(Received received) {
    Set<String> found = new HashSet<>();
    String typeUrl = received.typeUrl();
    if (endpointMarkers && typeUrl.equals(ENDPOINT)) {
      for (Received.Delivered resource : received.resources()) {
        try {
          ClusterLoadAssignment assignment =
              resource.resource().unpack(ClusterLoadAssignment.class);
          assignment.getEndpointsList().stream()
              .flatMap(locality -> locality.getLbEndpointsList().stream())
              .mapToInt(e -> e.getEndpoint().getAddress().getSocketAddress().getPortValue())
              .filter(port -> port >= MARKER_PORT_BASE)
              .forEach(port -> found.add("bench-v" + (port - MARKER_PORT_BASE)));
        } catch (InvalidProtocolBufferException e) {
          // the AdsClient refuses it
        }
      }
      return found;
    }
    if (!typeUrl.equals(ROUTE)) {
      return found;
    }
    for (Received.Delivered resource : received.resources()) {
      String text = resource.resource().getValue().toStringUtf8();
      int at = text.indexOf("bench-v");
      if (at >= 0) {
        int end = at + "bench-v".length();
        while (end < text.length() && Character.isDigit(text.charAt(end))) {
          end++;
        }
        found.add(text.substring(at, end));
      }
    }
    return found;
  }

  /** Records what a response's markers and the client's answer to it tell. */
  private void answered(Set<String> markers, boolean accepted, long at) {
    if (accepted) {
      markers.forEach(m -> markerAckedMicros.putIfAbsent(m, at));
      return;
    }
    nacks++;
    for (String marker : markers) {
      if (markerNackedMicros.putIfAbsent(marker, at) != null) {
        resentAfterNack++;
      }
    }
  }

  /** The bench's side of the stream: its injected refusal, markers, timing and EDS counters. */
  private final class Observer implements AdsObserver {
    @Override
    public Optional<String> refusal(Received received, Map<String, Message> unpacked) {
      String refused = rejectedMarker;
      if (refused != null && markers(received).contains(refused)) {
        return Optional.of("the bench refuses the route table carrying " + refused);
      }
      return Optional.empty();
    }

    @Override
    public void answered(Answer answer) {
      long at = nowMicros();
      Received received = answer.received();
      attempt = 0;
      bytesReceived += received.bytes();
      boolean accepted = answer instanceof Answer.Accepted;
      FleetClient.this.answered(markers(received), accepted, at);
      if (!received.typeUrl().equals(ENDPOINT)) {
        return;
      }
      if (accepted) {
        if (delta) {
          received.resources().forEach(r -> endpointNames.add(r.name()));
        } else {
          lastSotwEndpoints = received.resources().size();
        }
      }
      endpointResponses++;
      endpointBytes += received.bytes();
      endpointResources += received.resources().size() + received.removed().size();
      for (Received.Delivered resource : received.resources()) {
        assignmentBytes.put(resource.name(), resource.resource().getSerializedSize());
        heldAssignment(resource.name(), assignment(resource.resource()));
      }
    }

    @Override
    public void ended(StreamEnd end) {
      if (end instanceof StreamEnd.Failed failed) {
        retry(failed.error());
      }
    }
  }
}
