package io.meshgate.bench.fleet;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.Code;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One simulated proxy of the proxyless group: subscribes to the listener, route table, cluster and
 * assignment of one Backend, checks every response by unpacking each resource into its type, ACKs
 * it at once or NACKs it (with the previously accepted version and an error detail, as Envoy does),
 * and records when a route table holding a marker string first arrived and was ACKed or NACKed. A
 * client made with {@link #rejects} also refuses the route table carrying one marker: the injected
 * rejection of the {@code nack} scenario. A client made with {@link #sidecar} is one sidecar's
 * Envoy instead, subscribing to its upstreams' clusters and assignments, and reads its marker from
 * an assignment: an endpoint on port {@value #MARKER_PORT_BASE} + N is marker {@code bench-vN}.
 * Thread-safe.
 */
final class FleetClient {
  static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
  static final String ROUTE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
  static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  static final String ENDPOINT =
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

  private static final Map<String, List<String>> NAMES =
      Map.of(
          LISTENER, List.of("echo.default"),
          ROUTE, List.of("echo.default"),
          CLUSTER, List.of("default/echo"),
          ENDPOINT, List.of("default/echo"));

  private static final Map<String, Class<? extends Message>> TYPES =
      Map.of(
          LISTENER, Listener.class,
          ROUTE, RouteConfiguration.class,
          CLUSTER, Cluster.class,
          ENDPOINT, ClusterLoadAssignment.class);

  /** An endpoint on this port plus N marks the assignment holding it as {@code bench-vN}. */
  static final int MARKER_PORT_BASE = 30_000;

  private final Node node;
  private final boolean delta;
  private final boolean endpointMarkers;
  private final Map<String, List<String>> names;
  private final Map<String, Long> markerAckedMicros = new ConcurrentHashMap<>();
  private final Map<String, Long> markerNackedMicros = new ConcurrentHashMap<>();

  /** The last version accepted per type (state of the world): what a NACK reports holding. */
  private final Map<String, String> acceptedVersions = new ConcurrentHashMap<>();

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

  private final java.util.Set<String> endpointNames = ConcurrentHashMap.newKeySet();
  private volatile int lastSotwEndpoints;
  // Written only by the stream's callbacks, which gRPC runs one at a time.
  private volatile int nacks;
  private volatile int resentAfterNack;
  private StreamObserver<DiscoveryRequest> sotw;
  private StreamObserver<DeltaDiscoveryRequest> deltaRequests;
  private volatile Throwable error;
  private volatile int refusals;
  private volatile boolean closed;
  private Channel channel;
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
    this.node = node;
    this.delta = delta;
    this.names = names;
    this.endpointMarkers = endpointMarkers;
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
   * Opens the stream; when it fails, opens it again after a jittered exponential backoff (250 ms
   * doubling to 4 s), as Envoy and gRPC do.
   */
  void connect(Channel channel) {
    this.channel = channel;
    var stub = AggregatedDiscoveryServiceGrpc.newStub(channel);
    if (delta) {
      deltaRequests = stub.deltaAggregatedResources(new DeltaObserver());
      for (String type : List.of(CLUSTER, ENDPOINT, LISTENER, ROUTE)) {
        if (!names.containsKey(type)) {
          continue;
        }
        synchronized (this) {
          deltaRequests.onNext(
              DeltaDiscoveryRequest.newBuilder()
                  .setNode(node)
                  .setTypeUrl(type)
                  .addAllResourceNamesSubscribe(names.get(type))
                  .build());
        }
      }
    } else {
      sotw = stub.streamAggregatedResources(new SotwObserver());
      for (String type : List.of(CLUSTER, ENDPOINT, LISTENER, ROUTE)) {
        if (!names.containsKey(type)) {
          continue;
        }
        synchronized (this) {
          sotw.onNext(
              DiscoveryRequest.newBuilder()
                  .setNode(node)
                  .setTypeUrl(type)
                  .addAllResourceNames(names.get(type))
                  .build());
        }
      }
    }
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
    synchronized (this) {
      if (sotw != null) {
        sotw.onCompleted();
      }
      if (deltaRequests != null) {
        deltaRequests.onCompleted();
      }
    }
  }

  /**
   * The markers ({@code bench-vN}) the route tables among {@code resources} carry, and for a
   * sidecar client those of its assignments.
   */
  private Set<String> markers(String typeUrl, List<Any> resources) {
    Set<String> found = new HashSet<>();
    if (endpointMarkers && typeUrl.equals(ENDPOINT)) {
      for (Any resource : resources) {
        try {
          ClusterLoadAssignment assignment = resource.unpack(ClusterLoadAssignment.class);
          assignment.getEndpointsList().stream()
              .flatMap(locality -> locality.getLbEndpointsList().stream())
              .mapToInt(e -> e.getEndpoint().getAddress().getSocketAddress().getPortValue())
              .filter(port -> port >= MARKER_PORT_BASE)
              .forEach(port -> found.add("bench-v" + (port - MARKER_PORT_BASE)));
        } catch (InvalidProtocolBufferException e) {
          // rejection() refuses it
        }
      }
      return found;
    }
    if (!typeUrl.equals(ROUTE)) {
      return found;
    }
    for (Any resource : resources) {
      String text = resource.getValue().toStringUtf8();
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

  /**
   * Why the client refuses a response, or null when it accepts it: every resource must be of the
   * response's type and unpack into it; and a client made with {@link #rejects} refuses its marker.
   */
  private String rejection(String typeUrl, List<Any> resources, Set<String> markers) {
    Class<? extends Message> type = TYPES.get(typeUrl);
    if (type == null) {
      return "unexpected type " + typeUrl;
    }
    for (Any resource : resources) {
      if (!resource.getTypeUrl().equals(typeUrl)) {
        return "a " + resource.getTypeUrl() + " in a response of " + typeUrl;
      }
      try {
        resource.unpack(type);
      } catch (InvalidProtocolBufferException e) {
        return "cannot unpack a " + typeUrl + ": " + e.getMessage();
      }
    }
    String refused = rejectedMarker;
    if (refused != null && markers.contains(refused)) {
      return "the bench refuses the route table carrying " + refused;
    }
    return null;
  }

  /** Records what a response's markers and the client's answer to it tell. */
  private void answered(Set<String> markers, String refusal, long at) {
    if (refusal == null) {
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

  private static Status errorDetail(String refusal) {
    return Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE).setMessage(refusal).build();
  }

  private final class SotwObserver implements StreamObserver<DiscoveryResponse> {
    @Override
    public void onNext(DiscoveryResponse response) {
      attempt = 0;
      bytesReceived += response.getSerializedSize();
      String typeUrl = response.getTypeUrl();
      Set<String> markers = markers(typeUrl, response.getResourcesList());
      String refusal = rejection(typeUrl, response.getResourcesList(), markers);
      DiscoveryRequest.Builder answer =
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(typeUrl)
              .addAllResourceNames(names.get(typeUrl))
              .setResponseNonce(response.getNonce());
      if (refusal == null) {
        acceptedVersions.put(typeUrl, response.getVersionInfo());
        answer.setVersionInfo(response.getVersionInfo());
      } else {
        answer
            .setVersionInfo(acceptedVersions.getOrDefault(typeUrl, ""))
            .setErrorDetail(errorDetail(refusal));
      }
      synchronized (FleetClient.this) {
        sotw.onNext(answer.build());
      }
      answered(markers, refusal, nowMicros());
      if (refusal == null && typeUrl.equals(ENDPOINT)) {
        lastSotwEndpoints = response.getResourcesCount();
      }
      if (typeUrl.equals(ENDPOINT)) {
        endpointResponses++;
        endpointBytes += response.getSerializedSize();
        endpointResources += response.getResourcesCount();
        for (Any any : response.getResourcesList()) {
          ClusterLoadAssignment assignment = assignment(any);
          assignmentBytes.put(assignment.getClusterName(), any.getSerializedSize());
          heldAssignment(assignment.getClusterName(), assignment);
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      retry(t);
    }

    @Override
    public void onCompleted() {}
  }

  private final class DeltaObserver implements StreamObserver<DeltaDiscoveryResponse> {
    @Override
    public void onNext(DeltaDiscoveryResponse response) {
      attempt = 0;
      bytesReceived += response.getSerializedSize();
      String typeUrl = response.getTypeUrl();
      List<Any> resources = response.getResourcesList().stream().map(r -> r.getResource()).toList();
      Set<String> markers = markers(typeUrl, resources);
      String refusal = rejection(typeUrl, resources, markers);
      DeltaDiscoveryRequest.Builder answer =
          DeltaDiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(typeUrl)
              .setResponseNonce(response.getNonce());
      if (refusal != null) {
        answer.setErrorDetail(errorDetail(refusal));
      }
      synchronized (FleetClient.this) {
        deltaRequests.onNext(answer.build());
      }
      answered(markers, refusal, nowMicros());
      if (refusal == null && typeUrl.equals(ENDPOINT)) {
        response.getResourcesList().forEach(r -> endpointNames.add(r.getName()));
      }
      if (typeUrl.equals(ENDPOINT)) {
        endpointResponses++;
        endpointBytes += response.getSerializedSize();
        endpointResources += response.getResourcesCount() + response.getRemovedResourcesCount();
        response
            .getResourcesList()
            .forEach(
                r -> {
                  assignmentBytes.put(r.getName(), r.getResource().getSerializedSize());
                  heldAssignment(r.getName(), assignment(r.getResource()));
                });
      }
    }

    @Override
    public void onError(Throwable t) {
      retry(t);
    }

    @Override
    public void onCompleted() {}
  }
}
