package io.meshgate.bench.fleet;

import io.envoyproxy.controlplane.cache.NodeGroup;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.meshgate.bench.LargeConfig;
import io.meshgate.xds.node.SnapshotBuilder;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.TypeUrls;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The floor: a bare java-control-plane SimpleCache server (its V3DiscoveryServer, state of the
 * world and delta) holding the same snapshots meshgate builds, precomputed, for one group. Reads
 * lines on stdin: {@code set N} builds the config with marker N, then prints {@code set N <epoch
 * micros>} after the snapshot is in the cache — the floor's "publish" time.
 */
public final class FloorServer {
  private FloorServer() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    SimpleCache<String> cache = new SimpleCache<>((NodeGroup<String>) node -> "proxyless");
    V3DiscoveryServer discovery = new V3DiscoveryServer(cache);
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
      if (line.startsWith("churn ")) {
        int tick = Integer.parseInt(line.substring(6).trim());
        GroupSnapshot group =
            builder
                .build(LargeConfig.parse(FleetConfig.churnYaml(tick), tick + 1_000_000))
                .snapshots()
                .stream()
                .filter(s -> s.group().equals("proxyless"))
                .findFirst()
                .orElseThrow();
        cache.setSnapshot("proxyless", convert(group, "c" + tick));
        System.out.println("churn " + tick);
        System.out.flush();
      } else if (line.startsWith("set ")) {
        int version = Integer.parseInt(line.substring(4).trim());
        GroupSnapshot group =
            builder
                .build(LargeConfig.parse(FleetConfig.yaml(version), version + 1))
                .snapshots()
                .stream()
                .filter(s -> s.group().equals("proxyless"))
                .findFirst()
                .orElseThrow();
        Snapshot snapshot = convert(group, "v" + version);
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

  private static Snapshot convert(GroupSnapshot group, String version) throws Exception {
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
    return Snapshot.create(clusters, endpoints, listeners, routes, List.of(), version);
  }
}
