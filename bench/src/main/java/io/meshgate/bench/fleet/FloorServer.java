package io.meshgate.bench.fleet;

import io.envoyproxy.controlplane.cache.NodeGroup;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.meshgate.bench.LargeConfig;
import io.meshgate.xds.pipeline.Inputs;
import io.meshgate.xds.pipeline.SnapshotBuilder;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.TypeUrls;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The floor: a bare java-control-plane SimpleCache server (its V3DiscoveryServer, state of the
 * world and delta) holding the same snapshots meshgate builds, precomputed, for one group, each
 * type with its own version (meshgate's content hash of that type), so that a change re-sends only
 * the types it changed, as meshgate does. Reads lines on stdin: {@code set N} builds the config
 * with marker N, then prints {@code set N <epoch micros>} after the snapshot is in the cache — the
 * floor's "publish" time; {@code nacks} prints {@code nacks <NACKs received> <streams that sent
 * one>}, counted since start by a server callback.
 */
public final class FloorServer {
  private FloorServer() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    SimpleCache<String> cache = new SimpleCache<>((NodeGroup<String>) node -> "proxyless");
    NackCounter nacks = new NackCounter();
    V3DiscoveryServer discovery = new V3DiscoveryServer(nacks, cache);
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
            .addService(discovery.getAggregatedDiscoveryServiceImpl())
            .maxInboundMessageSize(16 << 20)
            .build()
            .start();
    SnapshotBuilder builder = new SnapshotBuilder();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    System.out.println("ready " + port);
    System.out.flush();
    String line;
    while ((line = in.readLine()) != null) {
      if (line.equals("nacks")) {
        System.out.println("nacks " + nacks.received.get() + " " + nacks.streams.size());
        System.out.flush();
      } else if (line.startsWith("churn ")) {
        int tick = Integer.parseInt(line.substring(6).trim());
        GroupSnapshot group =
            builder
                .build(
                    Inputs.withoutKeys(
                        LargeConfig.parse(FleetConfig.churnYaml(tick), tick + 1_000_000)))
                .snapshots()
                .stream()
                .filter(s -> s.group().equals("proxyless"))
                .findFirst()
                .orElseThrow();
        cache.setSnapshot("proxyless", convert(group));
        System.out.println("churn " + tick);
        System.out.flush();
      } else if (line.startsWith("set ")) {
        int version = Integer.parseInt(line.substring(4).trim());
        GroupSnapshot group =
            builder
                .build(
                    Inputs.withoutKeys(LargeConfig.parse(FleetConfig.yaml(version), version + 1)))
                .snapshots()
                .stream()
                .filter(s -> s.group().equals("proxyless"))
                .findFirst()
                .orElseThrow();
        Snapshot snapshot = convert(group);
        // The floor's publish time is when the snapshot is handed to the cache, which pushes it to
        // every watch before setSnapshot returns.
        long at = FleetClient.nowMicros();
        cache.setSnapshot("proxyless", snapshot);
        System.out.println("set " + version + " " + at);
        System.out.flush();
      }
    }
    server.shutdownNow();
  }

  /**
   * The group's resources as a java-control-plane snapshot, each type versioned on its own: with
   * one version for all types (the 6-argument {@code Snapshot.create}), every state-of-the-world
   * watch is answered on every change, and a client gets its four types again when one changed.
   */
  private static Snapshot convert(GroupSnapshot group) throws Exception {
    List<Cluster> clusters = new ArrayList<>();
    for (var r : group.type(TypeUrls.CLUSTER).resources().values()) {
      clusters.add(r.resource().unpack(Cluster.class));
    }
    List<ClusterLoadAssignment> endpoints = new ArrayList<>();
    for (var r : group.type(TypeUrls.ENDPOINT).resources().values()) {
      endpoints.add(r.resource().unpack(ClusterLoadAssignment.class));
    }
    List<Listener> listeners = new ArrayList<>();
    for (var r : group.type(TypeUrls.LISTENER).resources().values()) {
      listeners.add(r.resource().unpack(Listener.class));
    }
    List<RouteConfiguration> routes = new ArrayList<>();
    for (var r : group.type(TypeUrls.ROUTE).resources().values()) {
      routes.add(r.resource().unpack(RouteConfiguration.class));
    }
    return Snapshot.create(
        clusters,
        group.type(TypeUrls.CLUSTER).version(),
        endpoints,
        group.type(TypeUrls.ENDPOINT).version(),
        listeners,
        group.type(TypeUrls.LISTENER).version(),
        routes,
        group.type(TypeUrls.ROUTE).version(),
        List.of(),
        group.type(TypeUrls.SECRET).version());
  }

  /** Counts the requests that carry an error detail (NACKs) and the streams they came on. */
  private static final class NackCounter implements DiscoveryServerCallbacks {
    final AtomicLong received = new AtomicLong();
    final Set<Long> streams = ConcurrentHashMap.newKeySet();

    @Override
    public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
      if (request.hasErrorDetail()) {
        received.incrementAndGet();
        streams.add(streamId);
      }
    }

    @Override
    public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
      if (request.hasErrorDetail()) {
        received.incrementAndGet();
        streams.add(streamId);
      }
    }
  }
}
