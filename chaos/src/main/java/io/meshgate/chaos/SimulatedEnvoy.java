package io.meshgate.chaos;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.Code;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One gateway Envoy's ADS client, simulated as Envoy behaves: listeners and clusters by wildcard,
 * the route tables its listeners name and the assignments of its EDS clusters by name; over delta
 * or state-of-the-world (where, as the protocol has it, a response of listeners or clusters is the
 * whole set and one of route tables or assignments only adds to what is held); every resource
 * unpacked into its type and the response NACKed if one does not parse; a lost stream retried with
 * backoff against the next replica in its list, keeping what it holds (delta reports it in {@code
 * initial_resource_versions}, state of the world in {@code version_info}).
 *
 * <p>What it records for the checker: what it holds (per type, name → version: the server's for
 * delta, the same content hash computed from the bytes for state of the world, and for delta the
 * two must agree), every NACK, and every step back within one stream: each assignment's marker (the
 * highest endpoint port: the producer gives each Backend change a higher one) and each route's
 * marker (the {@code x-chaos-*} request headers, one per HTTPRoute, valued with its change number)
 * never decrease on one stream.
 *
 * <p>No keepalive, as a bootstrap without {@code connection_keepalive}: a stream that a partition
 * holds is noticed only when bytes flow again or the server ends it. Thread-safe.
 */
public final class SimulatedEnvoy implements AutoCloseable {
  /** The ADS variant. */
  public enum Protocol {
    DELTA,
    SOTW
  }

  static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
  static final String ROUTE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
  static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  static final String ENDPOINT =
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  static final List<String> TYPES = List.of(LISTENER, ROUTE, CLUSTER, ENDPOINT);

  /** Route markers are request headers with this prefix; their value is the change number. */
  public static final String ROUTE_MARKER_PREFIX = "x-chaos-";

  private static final Map<String, Class<? extends Message>> CLASSES =
      Map.of(
          LISTENER, Listener.class,
          ROUTE, RouteConfiguration.class,
          CLUSTER, Cluster.class,
          ENDPOINT, ClusterLoadAssignment.class);

  private static final ScheduledExecutorService RETRIES =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread thread = new Thread(r, "simulated-envoy-retries");
            thread.setDaemon(true);
            return thread;
          });

  private final String id;
  private final Protocol protocol;
  private final List<String> addresses;
  private final Node node;
  private final Timeline timeline;

  // Everything below is guarded by this.
  private final Map<String, Map<String, String>> held = new HashMap<>();
  private final Map<String, Map<String, Message>> parsed = new HashMap<>();
  private final Map<String, String> acceptedVersionInfo = new HashMap<>();

  /** State of the world: the last nonce received per type, which every request of it echoes. */
  private final Map<String, String> lastNonce = new HashMap<>();

  private final Map<String, Set<String>> subscribed = new HashMap<>();
  private final Map<String, Long> markers = new HashMap<>();
  private final List<String> violations = new ArrayList<>();
  private int addressIndex;
  private int streams;
  private int nacks;
  private long backoffMillis = INITIAL_BACKOFF_MILLIS;
  private ManagedChannel channel;
  private Stream stream;
  private boolean closed;

  private static final long INITIAL_BACKOFF_MILLIS = 250;
  private static final long MAX_BACKOFF_MILLIS = 4_000;

  /**
   * @param id the node id
   * @param gateway the Gateway it serves, {@code NAMESPACE/NAME}
   * @param addresses the replicas' ADS addresses ({@code host:port}); it starts with {@code home}
   */
  public SimulatedEnvoy(
      String id,
      String gateway,
      Protocol protocol,
      List<String> addresses,
      int home,
      Timeline timeline) {
    this.id = requireNonNull(id, "id");
    this.protocol = requireNonNull(protocol, "protocol");
    this.addresses = List.copyOf(addresses);
    this.addressIndex = Math.floorMod(home, addresses.size());
    this.timeline = requireNonNull(timeline, "timeline");
    this.node =
        Node.newBuilder()
            .setId(id)
            .setCluster("gateway/" + gateway)
            .setMetadata(
                Struct.newBuilder()
                    .putFields(
                        "meshgate.io/gateway", Value.newBuilder().setStringValue(gateway).build()))
            .build();
    for (String type : TYPES) {
      held.put(type, new TreeMap<>());
      parsed.put(type, new HashMap<>());
      subscribed.put(type, new TreeSet<>());
    }
  }

  public String id() {
    return id;
  }

  public Protocol protocol() {
    return protocol;
  }

  public synchronized SimulatedEnvoy start() {
    connect();
    return this;
  }

  /** What it holds of a type: name → version. */
  public synchronized Map<String, String> held(String type) {
    return Map.copyOf(held.get(type));
  }

  /** NACKs, steps back and version mismatches seen, as sentences. */
  public synchronized List<String> violations() {
    return List.copyOf(violations);
  }

  public synchronized int nacks() {
    return nacks;
  }

  /** Streams opened so far. */
  public synchronized int streams() {
    return streams;
  }

  /** The address of the replica its current stream goes to. */
  public synchronized String connectedTo() {
    return addresses.get(addressIndex);
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (channel != null) {
      channel.shutdownNow();
    }
  }

  private void connect() {
    if (closed) {
      return;
    }
    if (channel != null) {
      channel.shutdownNow();
    }
    String address = addresses.get(addressIndex);
    channel = NettyChannelBuilder.forTarget(address).usePlaintext().build();
    streams++;
    markers.clear(); // steps back are judged per stream
    lastNonce.clear(); // nonces belong to a stream
    stream = new Stream(streams);
    var stub = AggregatedDiscoveryServiceGrpc.newStub(channel);
    if (protocol == Protocol.DELTA) {
      stream.delta = stub.deltaAggregatedResources(stream.deltaObserver());
      boolean first = true;
      for (String type : TYPES) {
        DeltaDiscoveryRequest.Builder request =
            DeltaDiscoveryRequest.newBuilder()
                .setTypeUrl(type)
                .putAllInitialResourceVersions(held.get(type));
        if (first) {
          request.setNode(node);
          first = false;
        }
        if (type.equals(LISTENER) || type.equals(CLUSTER)) {
          request.addResourceNamesSubscribe("*");
        } else if (!subscribed.get(type).isEmpty()) {
          request.addAllResourceNamesSubscribe(subscribed.get(type));
        } else {
          continue;
        }
        stream.delta.onNext(request.build());
      }
    } else {
      stream.sotw = stub.streamAggregatedResources(stream.sotwObserver());
      for (String type : TYPES) {
        if ((type.equals(ROUTE) || type.equals(ENDPOINT)) && subscribed.get(type).isEmpty()) {
          continue;
        }
        stream.sotw.onNext(sotwRequest(type, "", null));
      }
    }
  }

  private DiscoveryRequest sotwRequest(String type, String nonce, Status error) {
    DiscoveryRequest.Builder request =
        DiscoveryRequest.newBuilder()
            .setNode(node)
            .setTypeUrl(type)
            .setVersionInfo(acceptedVersionInfo.getOrDefault(type, ""))
            .setResponseNonce(nonce);
    if (type.equals(ROUTE) || type.equals(ENDPOINT)) {
      request.addAllResourceNames(subscribed.get(type));
    }
    if (error != null) {
      request.setErrorDetail(error);
    }
    return request.build();
  }

  /** One stream's observers; a callback of an old stream changes nothing. */
  private final class Stream {
    final int number;
    StreamObserver<DeltaDiscoveryRequest> delta;
    StreamObserver<DiscoveryRequest> sotw;

    Stream(int number) {
      this.number = number;
    }

    StreamObserver<DeltaDiscoveryResponse> deltaObserver() {
      return observer(response -> onDelta(this, response));
    }

    StreamObserver<DiscoveryResponse> sotwObserver() {
      return observer(response -> onSotw(this, response));
    }

    private <T> StreamObserver<T> observer(java.util.function.Consumer<T> onResponse) {
      return new StreamObserver<>() {
        @Override
        public void onNext(T response) {
          onResponse.accept(response);
        }

        @Override
        public void onError(Throwable t) {
          ended(Stream.this, t.toString());
        }

        @Override
        public void onCompleted() {
          ended(Stream.this, "completed by the server");
        }
      };
    }
  }

  private synchronized void ended(Stream ended, String why) {
    if (ended != stream || closed) {
      return;
    }
    timeline.log(id, "stream " + ended.number + " to " + connectedTo() + " ended: " + why);
    stream = null;
    addressIndex = (addressIndex + 1) % addresses.size();
    long delay = backoffMillis;
    backoffMillis = Math.min(MAX_BACKOFF_MILLIS, backoffMillis * 2);
    RETRIES.schedule(this::reconnect, delay, TimeUnit.MILLISECONDS);
  }

  private synchronized void reconnect() {
    if (!closed && stream == null) {
      connect();
    }
  }

  private synchronized void onDelta(Stream from, DeltaDiscoveryResponse response) {
    if (from != stream) {
      return;
    }
    backoffMillis = INITIAL_BACKOFF_MILLIS;
    String type = response.getTypeUrl();
    Map<String, Message> unpacked = new HashMap<>();
    for (Resource resource : response.getResourcesList()) {
      String problem = unpack(type, resource.getName(), resource.getResource(), unpacked);
      if (problem == null && !resource.getVersion().equals(contentHash(resource.getResource()))) {
        violations.add(
            "version of "
                + resource.getName()
                + " is not the hash of its bytes: "
                + resource.getVersion());
      }
      if (problem != null) {
        nack(type, problem);
        stream.delta.onNext(
            DeltaDiscoveryRequest.newBuilder()
                .setTypeUrl(type)
                .setResponseNonce(response.getNonce())
                .setErrorDetail(
                    Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE).setMessage(problem))
                .build());
        return;
      }
    }
    for (Resource resource : response.getResourcesList()) {
      held.get(type).put(resource.getName(), resource.getVersion());
      parsed.get(type).put(resource.getName(), unpacked.get(resource.getName()));
      mark(from, type, resource.getName(), unpacked.get(resource.getName()));
    }
    for (String removed : response.getRemovedResourcesList()) {
      held.get(type).remove(removed);
      parsed.get(type).remove(removed);
    }
    stream.delta.onNext(
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(type)
            .setResponseNonce(response.getNonce())
            .build());
    resubscribe(type);
  }

  private synchronized void onSotw(Stream from, DiscoveryResponse response) {
    if (from != stream) {
      return;
    }
    backoffMillis = INITIAL_BACKOFF_MILLIS;
    String type = response.getTypeUrl();
    lastNonce.put(type, response.getNonce());
    Map<String, Message> unpacked = new HashMap<>();
    Map<String, String> versions = new TreeMap<>();
    for (Any any : response.getResourcesList()) {
      String name = nameOf(type, any);
      String problem = name == null ? "unreadable " + type : unpack(type, name, any, unpacked);
      if (problem != null) {
        nack(type, problem);
        stream.sotw.onNext(
            sotwRequest(
                type,
                response.getNonce(),
                Status.newBuilder()
                    .setCode(Code.INVALID_ARGUMENT_VALUE)
                    .setMessage(problem)
                    .build()));
        return;
      }
      versions.put(name, contentHash(any));
    }
    if (type.equals(LISTENER) || type.equals(CLUSTER)) {
      held.put(type, versions); // the whole state: what it leaves out is gone
      parsed.put(type, unpacked);
    } else {
      // route tables and assignments come as needed: a response need not repeat what is held
      held.get(type).putAll(versions);
      parsed.get(type).putAll(unpacked);
    }
    unpacked.forEach((name, message) -> mark(from, type, name, message));
    acceptedVersionInfo.put(type, response.getVersionInfo());
    stream.sotw.onNext(sotwRequest(type, response.getNonce(), null));
    resubscribe(type);
  }

  private void nack(String type, String problem) {
    nacks++;
    violations.add("NACK of " + type + ": " + problem);
    timeline.log(id, "NACK " + type + ": " + problem);
  }

  /** After listeners or clusters change, asks for the route tables and assignments they name. */
  private void resubscribe(String type) {
    if (type.equals(LISTENER)) {
      update(ROUTE, routeNames());
    } else if (type.equals(CLUSTER)) {
      update(ENDPOINT, assignmentNames());
    }
  }

  private void update(String type, Set<String> names) {
    Set<String> before = subscribed.get(type);
    if (before.equals(names)) {
      return;
    }
    Set<String> added = new TreeSet<>(names);
    added.removeAll(before);
    Set<String> removed = new TreeSet<>(before);
    removed.removeAll(names);
    subscribed.put(type, new TreeSet<>(names));
    for (String name : removed) {
      held.get(type).remove(name);
      parsed.get(type).remove(name);
    }
    if (protocol == Protocol.DELTA) {
      stream.delta.onNext(
          DeltaDiscoveryRequest.newBuilder()
              .setTypeUrl(type)
              .addAllResourceNamesSubscribe(added)
              .addAllResourceNamesUnsubscribe(removed)
              .build());
    } else if (!names.isEmpty()) { // an empty list would be a wildcard request
      stream.sotw.onNext(sotwRequest(type, lastNonce.getOrDefault(type, ""), null));
    }
  }

  private Set<String> routeNames() {
    Set<String> names = new TreeSet<>();
    for (Message message : parsed.get(LISTENER).values()) {
      Listener listener = (Listener) message;
      for (FilterChain chain : listener.getFilterChainsList()) {
        for (Filter filter : chain.getFiltersList()) {
          if (filter.getTypedConfig().is(HttpConnectionManager.class)) {
            try {
              HttpConnectionManager hcm =
                  filter.getTypedConfig().unpack(HttpConnectionManager.class);
              if (hcm.hasRds()) {
                names.add(hcm.getRds().getRouteConfigName());
              }
            } catch (InvalidProtocolBufferException e) {
              violations.add("listener " + listener.getName() + ": " + e.getMessage());
            }
          }
        }
      }
    }
    return names;
  }

  private Set<String> assignmentNames() {
    Set<String> names = new TreeSet<>();
    for (Message message : parsed.get(CLUSTER).values()) {
      Cluster cluster = (Cluster) message;
      if (cluster.getType() == Cluster.DiscoveryType.EDS) {
        String service = cluster.getEdsClusterConfig().getServiceName();
        names.add(service.isEmpty() ? cluster.getName() : service);
      }
    }
    return names;
  }

  /** Null when every resource unpacks into its type; the problem otherwise. */
  private static String unpack(String type, String name, Any any, Map<String, Message> into) {
    Class<? extends Message> kind = CLASSES.get(type);
    if (kind == null) {
      return "unexpected type " + type;
    }
    try {
      into.put(name, any.unpack(kind));
      return null;
    } catch (InvalidProtocolBufferException e) {
      return name + " does not parse as " + kind.getSimpleName() + ": " + e.getMessage();
    }
  }

  private static String nameOf(String type, Any any) {
    try {
      return switch (type) {
        case LISTENER -> any.unpack(Listener.class).getName();
        case ROUTE -> any.unpack(RouteConfiguration.class).getName();
        case CLUSTER -> any.unpack(Cluster.class).getName();
        case ENDPOINT -> any.unpack(ClusterLoadAssignment.class).getClusterName();
        default -> null;
      };
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  /** Checks that no marker in this resource went back since the stream last carried it. */
  private void mark(Stream on, String type, String name, Message message) {
    Map<String, Long> now = new HashMap<>();
    if (message instanceof ClusterLoadAssignment assignment) {
      long highest = -1;
      for (var locality : assignment.getEndpointsList()) {
        for (var endpoint : locality.getLbEndpointsList()) {
          highest =
              Math.max(
                  highest, endpoint.getEndpoint().getAddress().getSocketAddress().getPortValue());
        }
      }
      if (highest >= 0) {
        now.put("assignment " + name, highest);
      }
    } else if (message instanceof RouteConfiguration table) {
      for (VirtualHost host : table.getVirtualHostsList()) {
        for (Route route : host.getRoutesList()) {
          for (HeaderValueOption header : route.getRequestHeadersToAddList()) {
            String key = header.getHeader().getKey();
            if (key.startsWith(ROUTE_MARKER_PREFIX)) {
              now.merge("route " + key, Long.parseLong(header.getHeader().getValue()), Math::max);
            }
          }
        }
      }
    }
    now.forEach(
        (marker, value) -> {
          Long before = markers.put(marker, value);
          if (before != null && value < before) {
            String step =
                "stream "
                    + on.number
                    + ": "
                    + marker
                    + " went back from "
                    + before
                    + " to "
                    + value;
            violations.add(step);
            timeline.log(id, "STEP BACK " + step);
          }
        });
  }

  /** What the server's versions are: the first 16 hex digits of SHA-256 over the bytes. */
  static String contentHash(Any any) {
    return contentHash(any.getValue());
  }

  static String contentHash(ByteString bytes) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(bytes.asReadOnlyByteBuffer());
      return HexFormat.of().formatHex(digest.digest(), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return id + " (" + protocol + ")";
  }
}
