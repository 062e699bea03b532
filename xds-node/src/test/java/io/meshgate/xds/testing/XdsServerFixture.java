package io.meshgate.xds.testing;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.NodeGroup;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ADS server inside the test JVM, on a free loopback port: java-control-plane's {@link
 * V3DiscoveryServer} over a {@link SimpleCache}, state of the world only (what grpc-xds speaks).
 * {@code @RegisterExtension static XdsServerFixture xds = XdsServerFixture.groupedByNodeId();}
 *
 * <p>A test hands it whole snapshots per node group; it records what clients tell it back: the
 * {@link Node} each one announced, the version it last ACKed per type, and its NACKs.
 *
 * <p>SimpleCache answers a NACK by sending the same snapshot again at once, so a client that keeps
 * rejecting it spins in a tight reject/resend loop until the next {@link #setSnapshot}. Harmless
 * for a test that fails on the first {@link #rejections()}; meshgate's serving layer must not copy
 * it. The fixture keeps the first {@value #KEPT_REJECTIONS} rejections and counts the rest. In ADS
 * mode SimpleCache also stays silent for a type while any name a client asked for is missing from
 * the snapshot: every requested cluster and ClusterLoadAssignment must be in it.
 */
public final class XdsServerFixture implements BeforeAllCallback, AfterAllCallback, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(XdsServerFixture.class);
  static final int KEPT_REJECTIONS = 100;

  /** A NACK: the client refused {@code version} of {@code typeUrl} with {@code message}. */
  public record Rejection(String nodeId, String typeUrl, String version, String message) {}

  private final SimpleCache<String> cache;
  private final Map<Long, String> nodeIdByStream = new ConcurrentHashMap<>();
  private final Map<String, Node> nodesById = new ConcurrentHashMap<>();
  private final Map<String, String> ackedVersions = new ConcurrentHashMap<>();
  private final List<Rejection> rejections = new ArrayList<>();
  private final AtomicLong rejectionCount = new AtomicLong();
  private Server server;

  private XdsServerFixture(NodeGroup<String> groups) {
    this.cache = new SimpleCache<>(groups);
  }

  /** Snapshots are set per node id ({@code node.id} in the client's bootstrap). */
  public static XdsServerFixture groupedByNodeId() {
    return new XdsServerFixture(Node::getId);
  }

  /** Snapshots are set per node cluster ({@code node.cluster} in the client's bootstrap). */
  public static XdsServerFixture groupedByNodeCluster() {
    return new XdsServerFixture(Node::getCluster);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  public synchronized XdsServerFixture start() {
    if (server != null) {
      return this;
    }
    V3DiscoveryServer discovery = new V3DiscoveryServer(new Recorder(), cache);
    Server started =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(discovery.getAggregatedDiscoveryServiceImpl())
            .build();
    try {
      server = started.start();
    } catch (IOException e) {
      throw new UncheckedIOException("the ADS server did not start", e);
    }
    return this;
  }

  /** Where clients connect; the bootstrap's {@code server_uri}. */
  public synchronized InetSocketAddress address() {
    if (server == null) {
      throw new IllegalStateException("ADS server not started; register it as an extension first");
    }
    InetSocketAddress bound = (InetSocketAddress) server.getListenSockets().get(0);
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), bound.getPort());
  }

  /** Replaces what every client of {@code group} sees; open watches are answered at once. */
  public void setSnapshot(String group, Snapshot snapshot) {
    cache.setSnapshot(requireNonNull(group, "group"), requireNonNull(snapshot, "snapshot"));
  }

  /** The node a client announced on its stream, by node id. */
  public Optional<Node> node(String nodeId) {
    return Optional.ofNullable(nodesById.get(nodeId));
  }

  /** The version of {@code typeUrl} the node last ACKed. */
  public Optional<String> ackedVersion(String nodeId, String typeUrl) {
    return Optional.ofNullable(ackedVersions.get(nodeId + " " + typeUrl));
  }

  /** The first {@value #KEPT_REJECTIONS} NACKs, oldest first. */
  public synchronized List<Rejection> rejections() {
    return List.copyOf(rejections);
  }

  /** Every NACK received, including those not kept. */
  public long rejectionCount() {
    return rejectionCount.get();
  }

  @Override
  public synchronized void close() {
    if (server == null) {
      return;
    }
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server = null;
  }

  /**
   * A snapshot of {@code resources} (Cluster, ClusterLoadAssignment, Listener, RouteConfiguration,
   * Secret), one version for all types: a hash of their content, as meshgate's snapshots are.
   */
  public static Snapshot snapshot(Collection<? extends Message> resources) {
    List<Cluster> clusters = new ArrayList<>();
    List<ClusterLoadAssignment> endpoints = new ArrayList<>();
    List<Listener> listeners = new ArrayList<>();
    List<RouteConfiguration> routes = new ArrayList<>();
    List<Secret> secrets = new ArrayList<>();
    for (Message resource : resources) {
      if (resource instanceof Cluster c) {
        clusters.add(c);
      } else if (resource instanceof ClusterLoadAssignment e) {
        endpoints.add(e);
      } else if (resource instanceof Listener l) {
        listeners.add(l);
      } else if (resource instanceof RouteConfiguration r) {
        routes.add(r);
      } else if (resource instanceof Secret s) {
        secrets.add(s);
      } else {
        throw new IllegalArgumentException(
            "resource: "
                + resource.getDescriptorForType().getFullName()
                + " (expected: Cluster, ClusterLoadAssignment, Listener, RouteConfiguration or"
                + " Secret)");
      }
    }
    return Snapshot.create(clusters, endpoints, listeners, routes, secrets, contentHash(resources));
  }

  /** As {@link #snapshot(Collection)}. */
  public static Snapshot snapshot(Message... resources) {
    return snapshot(List.of(resources));
  }

  private static String contentHash(Collection<? extends Message> resources) {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
    List<? extends Message> sorted =
        resources.stream()
            .sorted(
                Comparator.comparing((Message m) -> m.getDescriptorForType().getFullName())
                    .thenComparing(Resources::getResourceName))
            .toList();
    for (Message resource : sorted) {
      digest.update(resource.getDescriptorForType().getFullName().getBytes(StandardCharsets.UTF_8));
      digest.update(deterministicBytes(resource));
    }
    return HexFormat.of().formatHex(digest.digest(), 0, 8);
  }

  private static byte[] deterministicBytes(Message message) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.useDeterministicSerialization();
    try {
      message.writeTo(out);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("serialising to memory", e);
    }
    return bytes.toByteArray();
  }

  private synchronized void reject(Rejection rejection) {
    if (rejectionCount.incrementAndGet() == 1) {
      log.warn("xDS client rejected a response: {}", rejection);
    }
    if (rejections.size() < KEPT_REJECTIONS) {
      rejections.add(rejection);
    }
  }

  /** Runs on the server's stream threads; only records. */
  private final class Recorder implements DiscoveryServerCallbacks {
    @Override
    public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
      // Clients send their node on the first request of a stream and may leave it out after.
      if (request.hasNode()) {
        nodeIdByStream.put(streamId, request.getNode().getId());
        nodesById.put(request.getNode().getId(), request.getNode());
      }
      String nodeId = nodeIdByStream.getOrDefault(streamId, "");
      if (request.hasErrorDetail()) {
        reject(
            new Rejection(
                nodeId,
                request.getTypeUrl(),
                request.getVersionInfo(),
                request.getErrorDetail().getMessage()));
      } else if (!request.getResponseNonce().isEmpty()) {
        ackedVersions.put(nodeId + " " + request.getTypeUrl(), request.getVersionInfo());
      }
    }

    @Override
    public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
      // grpc-xds speaks state of the world only; delta is tested with simulated clients.
    }

    @Override
    public void onStreamClose(long streamId, String typeUrl) {
      nodeIdByStream.remove(streamId);
    }

    @Override
    public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
      nodeIdByStream.remove(streamId);
    }
  }
}
