package io.meshgate.testkit.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.xds.XdsNameResolverProvider;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * grpc-java's xDS client as a data plane: channels to {@code xds:///<name>} whose listener, routes,
 * clusters and endpoints come from one ADS server.
 *
 * <pre>{@code
 * try (GrpcXdsClient client =
 *     GrpcXdsClient.connectTo(xds.address())
 *         .nodeId("client-1")
 *         .metadata("meshgate.io/proxyless", "true")
 *         .build()) {
 *   ManagedChannel channel = client.channel("echo.default");
 * }
 * }</pre>
 *
 * <p>The bootstrap is per client, not per JVM. grpc-xds reads {@code GRPC_XDS_BOOTSTRAP} (or the
 * {@code io.grpc.xds.bootstrapConfig} property) once per JVM for the globally registered {@code
 * xds} scheme; {@link XdsNameResolverProvider#createForTest} instead takes a bootstrap map, and a
 * resolver made from it builds its own XdsClient (a fresh {@code SharedXdsClientPoolProvider}), so
 * clients of different control planes and node ids live side by side in one JVM, and no fork per
 * test class is needed. Each channel thus opens its own ADS stream. The provider reaches the
 * channel through {@code nameResolverFactory}, deprecated since grpc-java has no replacement for a
 * per-channel resolver yet (grpc-java#7133); registering it globally would need a scheme per client
 * and make targets differ from what proxies use.
 */
public final class GrpcXdsClient implements AutoCloseable {
  private final Map<String, ?> bootstrap;
  private final List<ManagedChannel> channels = new ArrayList<>();

  private GrpcXdsClient(Map<String, ?> bootstrap) {
    this.bootstrap = bootstrap;
  }

  /** A client of the ADS server at {@code xdsServer}; the builder names the node. */
  public static Builder connectTo(InetSocketAddress xdsServer) {
    return new Builder(requireNonNull(xdsServer, "xdsServer"));
  }

  /** The bootstrap this client's channels use, as the JSON grpc-xds reads. */
  public Map<String, ?> bootstrap() {
    return bootstrap;
  }

  /** A channel to {@code xds:///name}, shut down with this client. */
  public synchronized ManagedChannel channel(String name) {
    requireNonNull(name, "name");
    @SuppressWarnings("deprecation") // Per-channel resolver; see the class comment.
    ManagedChannel channel =
        NettyChannelBuilder.forTarget("xds:///" + name, InsecureChannelCredentials.create())
            .nameResolverFactory(XdsNameResolverProvider.createForTest("xds", bootstrap))
            .build();
    channels.add(channel);
    return channel;
  }

  @Override
  public synchronized void close() {
    channels.forEach(ManagedChannel::shutdownNow);
    for (ManagedChannel channel : channels) {
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    channels.clear();
  }

  /** The node a client announces. Locality is always set: meshgate places proxies by it. */
  public static final class Builder {
    private final InetSocketAddress xdsServer;
    private String nodeId;
    private String nodeCluster = "meshgate-test";
    private String region = "local";
    private String zone = "zone-a";
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<String> serverFeatures = new ArrayList<>();
    private Map<String, Object> channelCredentials = Map.of("type", "insecure");

    private Builder(InetSocketAddress xdsServer) {
      this.xdsServer = xdsServer;
    }

    /** Required: {@code node.id}. */
    public Builder nodeId(String nodeId) {
      this.nodeId = requireNonNull(nodeId, "nodeId");
      return this;
    }

    /** {@code node.cluster}; {@code meshgate-test} unless set. */
    public Builder nodeCluster(String nodeCluster) {
      this.nodeCluster = requireNonNull(nodeCluster, "nodeCluster");
      return this;
    }

    /** {@code node.locality}; region {@code local}, zone {@code zone-a} unless set. */
    public Builder locality(String region, String zone) {
      this.region = requireNonNull(region, "region");
      this.zone = requireNonNull(zone, "zone");
      return this;
    }

    /** One string entry of {@code node.metadata}. */
    public Builder metadata(String key, String value) {
      metadata.put(requireNonNull(key, "key"), requireNonNull(value, "value"));
      return this;
    }

    /** One of {@code xds_servers[0].server_features}, e.g. {@code ignore_resource_deletion}. */
    public Builder serverFeature(String feature) {
      serverFeatures.add(requireNonNull(feature, "feature"));
      return this;
    }

    /**
     * TLS to the control plane, trusting {@code ca}, presenting {@code certificate}/{@code key}
     * (gRPC's "tls" channel creds).
     */
    public Builder tls(
        java.nio.file.Path ca, java.nio.file.Path certificate, java.nio.file.Path key) {
      channelCredentials =
          Map.of(
              "type",
              "tls",
              "config",
              Map.of(
                  "ca_certificate_file", ca.toString(),
                  "certificate_file", certificate.toString(),
                  "private_key_file", key.toString()));
      return this;
    }

    public GrpcXdsClient build() {
      if (nodeId == null || nodeId.isBlank()) {
        throw new IllegalStateException("nodeId: " + nodeId + " (expected: set, not blank)");
      }
      String host = xdsServer.getAddress().getHostAddress();
      String serverUri = (host.contains(":") ? "[" + host + "]" : host) + ":" + xdsServer.getPort();
      Map<String, Object> server = new LinkedHashMap<>();
      server.put("server_uri", serverUri);
      server.put("channel_creds", List.of(channelCredentials));
      server.put("server_features", List.copyOf(serverFeatures));
      Map<String, Object> node = new LinkedHashMap<>();
      node.put("id", nodeId);
      node.put("cluster", nodeCluster);
      node.put("locality", Map.of("region", region, "zone", zone));
      node.put("metadata", Map.copyOf(metadata));
      return new GrpcXdsClient(Map.of("xds_servers", List.of(server), "node", Map.copyOf(node)));
    }
  }
}
