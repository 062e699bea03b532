package io.meshgate.chaos;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
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
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.meshgate.testkit.ads.AdsClient;
import io.meshgate.testkit.ads.AdsObserver;
import io.meshgate.testkit.ads.Answer;
import io.meshgate.testkit.ads.ContentHash;
import io.meshgate.testkit.ads.NodeSent;
import io.meshgate.testkit.ads.Received;
import io.meshgate.testkit.ads.ResourceType;
import io.meshgate.testkit.ads.SotwVersions;
import io.meshgate.testkit.ads.StreamEnd;
import io.meshgate.testkit.ads.Subscription;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One gateway Envoy's ADS client, simulated as Envoy behaves: listeners and clusters by wildcard,
 * the route tables its listeners name and the assignments of its EDS clusters by name; over delta
 * or state-of-the-world. The protocol itself (unpacking every resource, ACK or NACK, what is held
 * per type, state of the world's whole-set and partial responses) is testkit's {@link AdsClient};
 * this class adds Envoy's subscription policy for a gateway, its reconnects (a lost stream retried
 * with backoff against the next replica in its list, keeping what it holds: delta reports it in
 * {@code initial_resource_versions}, state of the world in {@code version_info}) and the checks.
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

  static final String LISTENER = ResourceType.LISTENER.typeUrl();
  static final String ROUTE = ResourceType.ROUTE.typeUrl();
  static final String CLUSTER = ResourceType.CLUSTER.typeUrl();
  static final String ENDPOINT = ResourceType.ENDPOINT.typeUrl();
  static final List<String> TYPES = List.of(LISTENER, ROUTE, CLUSTER, ENDPOINT);

  /** Route markers are request headers with this prefix; their value is the change number. */
  public static final String ROUTE_MARKER_PREFIX = "x-chaos-";

  private static final ScheduledExecutorService RETRIES =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread thread = new Thread(r, "simulated-envoy-retries");
            thread.setDaemon(true);
            return thread;
          });

  private static final long INITIAL_BACKOFF_MILLIS = 250;
  private static final long MAX_BACKOFF_MILLIS = 4_000;

  private final String id;
  private final Protocol protocol;
  private final List<String> addresses;
  private final Timeline timeline;
  private final AdsClient ads;

  // Everything below is guarded by this. Lock order: this, then the AdsClient's.
  /** The listeners and clusters held, unpacked: what names the route tables and assignments. */
  private final Map<String, Listener> listeners = new HashMap<>();

  private final Map<String, Cluster> clusters = new HashMap<>();
  private final Map<String, Long> markers = new HashMap<>();
  private final List<String> violations = new ArrayList<>();
  private int addressIndex;
  private int nacks;
  private long backoffMillis = INITIAL_BACKOFF_MILLIS;
  private ManagedChannel channel;

  /** The AdsClient's number of the stream opened last; 0 while none is open. */
  private int stream;

  private boolean closed;

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
    Node node =
        Node.newBuilder()
            .setId(id)
            .setCluster("gateway/" + gateway)
            .setMetadata(
                Struct.newBuilder()
                    .putFields(
                        "meshgate.io/gateway", Value.newBuilder().setStringValue(gateway).build()))
            .build();
    this.ads =
        AdsClient.builder(
                node,
                protocol == Protocol.DELTA
                    ? io.meshgate.testkit.ads.Protocol.DELTA
                    : io.meshgate.testkit.ads.Protocol.SOTW)
            .nodeSent(NodeSent.AS_ENVOY_DOES)
            .sotwVersions(SotwVersions.CONTENT_HASH)
            .subscribe(ResourceType.LISTENER, Subscription.wildcard())
            .subscribe(ResourceType.ROUTE, Subscription.named(List.of()))
            .subscribe(ResourceType.CLUSTER, Subscription.wildcard())
            .subscribe(ResourceType.ENDPOINT, Subscription.named(List.of()))
            .observer(new Observer())
            .build();
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
  public Map<String, String> held(String type) {
    return ads.held(ResourceType.of(type).orElseThrow());
  }

  /** NACKs, steps back and version mismatches seen, as sentences. */
  public synchronized List<String> violations() {
    return List.copyOf(violations);
  }

  public synchronized int nacks() {
    return nacks;
  }

  /** Streams opened so far. */
  public int streams() {
    return ads.streams();
  }

  /** The address of the replica its current stream goes to. */
  public synchronized String connectedTo() {
    return addresses.get(addressIndex);
  }

  @Override
  public synchronized void close() {
    closed = true;
    ads.close();
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
    channel = NettyChannelBuilder.forTarget(addresses.get(addressIndex)).usePlaintext().build();
    markers.clear(); // steps back are judged per stream
    stream = ads.resume(channel);
  }

  private synchronized void reconnect() {
    if (!closed && stream == 0) {
      connect();
    }
  }

  /** Envoy's side of the stream: the checks, what to ask for next, and when to reconnect. */
  private final class Observer implements AdsObserver {
    @Override
    public void answered(Answer answer) {
      synchronized (SimulatedEnvoy.this) {
        Received received = answer.received();
        if (closed || received.stream() != stream) {
          return;
        }
        backoffMillis = INITIAL_BACKOFF_MILLIS;
        if (protocol == Protocol.DELTA) {
          checkVersions(received);
        }
        if (answer instanceof Answer.Accepted accepted) {
          accepted(accepted);
        } else if (answer instanceof Answer.Rejected rejected) {
          nack(received.typeUrl(), rejected.reason());
        }
      }
    }

    @Override
    public void ended(StreamEnd end) {
      synchronized (SimulatedEnvoy.this) {
        if (closed || end.stream() != stream) {
          return;
        }
        String why =
            end instanceof StreamEnd.Failed failed
                ? failed.error().toString()
                : "completed by the server";
        timeline.log(id, "stream " + end.stream() + " to " + connectedTo() + " ended: " + why);
        stream = 0;
        addressIndex = (addressIndex + 1) % addresses.size();
        long delay = backoffMillis;
        backoffMillis = Math.min(MAX_BACKOFF_MILLIS, backoffMillis * 2);
        RETRIES.schedule(SimulatedEnvoy.this::reconnect, delay, TimeUnit.MILLISECONDS);
      }
    }
  }

  /** meshgate's delta versions are content hashes: each must be the hash of the bytes sent. */
  private void checkVersions(Received received) {
    for (Received.Delivered resource : received.resources()) {
      if (!resource.version().equals(ContentHash.of(resource.resource()))) {
        violations.add(
            "version of "
                + resource.name()
                + " is not the hash of its bytes: "
                + resource.version());
      }
    }
  }

  private void accepted(Answer.Accepted accepted) {
    accepted.unpacked().forEach(this::mark);
    switch (accepted.type()) {
      case LISTENER -> {
        accepted.unpacked().forEach((name, message) -> listeners.put(name, (Listener) message));
        listeners.keySet().retainAll(ads.held(ResourceType.LISTENER).keySet());
        ads.subscribe(ResourceType.ROUTE, routeNames());
      }
      case CLUSTER -> {
        accepted.unpacked().forEach((name, message) -> clusters.put(name, (Cluster) message));
        clusters.keySet().retainAll(ads.held(ResourceType.CLUSTER).keySet());
        ads.subscribe(ResourceType.ENDPOINT, assignmentNames());
      }
      default -> {}
    }
  }

  private void nack(String type, String problem) {
    nacks++;
    violations.add("NACK of " + type + ": " + problem);
    timeline.log(id, "NACK " + type + ": " + problem);
  }

  private Set<String> routeNames() {
    Set<String> names = new TreeSet<>();
    for (Listener listener : listeners.values()) {
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
    for (Cluster cluster : clusters.values()) {
      if (cluster.getType() == Cluster.DiscoveryType.EDS) {
        String service = cluster.getEdsClusterConfig().getServiceName();
        names.add(service.isEmpty() ? cluster.getName() : service);
      }
    }
    return names;
  }

  /** Checks that no marker in this resource went back since the stream last carried it. */
  private void mark(String name, Message message) {
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
                "stream " + stream + ": " + marker + " went back from " + before + " to " + value;
            violations.add(step);
            timeline.log(id, "STEP BACK " + step);
          }
        });
  }

  @Override
  public String toString() {
    return id + " (" + protocol + ")";
  }
}
