package io.meshgate.bench.fleet;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One simulated proxy of the proxyless group: subscribes to the listener, route table, cluster and
 * assignment of one Backend, ACKs every response at once, and records when a route table holding a
 * marker string first arrived (and was ACKed). Thread-safe.
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

  private final Node node;
  private final boolean delta;
  private final Map<String, List<String>> names;
  private final Map<String, Long> markerAckedNanos = new ConcurrentHashMap<>();
  private volatile long bytesReceived;
  private final java.util.Set<String> endpointNames = ConcurrentHashMap.newKeySet();
  private volatile int lastSotwEndpoints;
  private volatile int nacks;
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
    this.names = names;
    this.node =
        Node.newBuilder()
            .setId(nodeId)
            .setCluster("proxyless")
            .setMetadata(
                Struct.newBuilder()
                    .putFields(
                        "meshgate.io/proxyless", Value.newBuilder().setStringValue("true").build()))
            .build();
    this.delta = delta;
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
    return markerAckedNanos.get(marker);
  }

  long bytesReceived() {
    return bytesReceived;
  }

  /** How many of its assignments the client holds. */
  int endpointsHeld() {
    return delta ? endpointNames.size() : lastSotwEndpoints;
  }

  int nacks() {
    return nacks;
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

  private void markers(String typeUrl, List<com.google.protobuf.Any> resources, long ackedAt) {
    if (!typeUrl.equals(ROUTE)) {
      return;
    }
    for (com.google.protobuf.Any resource : resources) {
      String text = resource.getValue().toStringUtf8();
      int at = text.indexOf("bench-v");
      if (at >= 0) {
        int end = at + "bench-v".length();
        while (end < text.length() && Character.isDigit(text.charAt(end))) {
          end++;
        }
        markerAckedNanos.putIfAbsent(text.substring(at, end), ackedAt);
      }
    }
  }

  private final class SotwObserver implements StreamObserver<DiscoveryResponse> {
    @Override
    public void onNext(DiscoveryResponse response) {
      attempt = 0;
      bytesReceived += response.getSerializedSize();
      synchronized (FleetClient.this) {
        sotw.onNext(
            DiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(response.getTypeUrl())
                .addAllResourceNames(names.get(response.getTypeUrl()))
                .setVersionInfo(response.getVersionInfo())
                .setResponseNonce(response.getNonce())
                .build());
      }
      markers(response.getTypeUrl(), response.getResourcesList(), nowMicros());
      if (response.getTypeUrl().equals(ENDPOINT)) {
        lastSotwEndpoints = response.getResourcesCount();
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
      synchronized (FleetClient.this) {
        deltaRequests.onNext(
            DeltaDiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(response.getTypeUrl())
                .setResponseNonce(response.getNonce())
                .build());
      }
      if (response.getTypeUrl().equals(ENDPOINT)) {
        response.getResourcesList().forEach(r -> endpointNames.add(r.getName()));
      }
      markers(
          response.getTypeUrl(),
          response.getResourcesList().stream().map(r -> r.getResource()).toList(),
          nowMicros());
    }

    @Override
    public void onError(Throwable t) {
      retry(t);
    }

    @Override
    public void onCompleted() {}
  }
}
