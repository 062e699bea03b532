package io.meshgate.xds.resolve;

import io.meshgate.config.model.BackendMesh;
import io.meshgate.config.model.BackendProtocol;
import io.meshgate.config.model.BackendRef;
import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.discovery.DiscoveredEndpoint;
import io.meshgate.meshbridge.identity.Denial;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.xds.ir.ClusterIr;
import io.meshgate.xds.ir.ClusterPolicyIr;
import io.meshgate.xds.ir.EndpointIr;
import io.meshgate.xds.ir.HashOnIr;
import io.meshgate.xds.ir.IdentityIr;
import io.meshgate.xds.ir.LocalityIr;
import io.meshgate.xds.ir.MeshTlsIr;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.ProxyKind;
import io.meshgate.xds.ir.SourceRef;
import io.meshgate.xds.ir.UpstreamProtocol;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Resolves backendRefs to clusters of one group, collecting each cluster once. A backendRef of kind
 * Service (group "") names the meshgate Backend of the same name; one of kind Backend (group
 * meshgate.io) names it directly.
 */
final class Clusters {
  private final Context context;
  // The group's own cache (its scope, for a sidecar), as it was when the group began.
  private final ResolveCache cache;
  private final ProxyKind kind;
  // By name; sorted once, when the group takes them (all): routes look names up thousands of times.
  private final Map<String, ClusterIr> clusters = new HashMap<>();
  // Clusters left without endpoints on purpose (TLS that cannot be verified or, for gRPC, done).
  private final Set<String> closed = new HashSet<>();
  // How this group's proxies present themselves to in-mesh Backends; null: they cannot.
  private final @Nullable MeshTlsIr clientTls;
  // The identity this group's proxies hold in each bridged mesh (by MeshBridge).
  private final Map<ResourceKey, IdentityIr> bridgeIdentities;
  private final Set<ResourceKey> bridgesReached = new TreeSet<>();
  private final String proxies;
  private boolean reachesMesh;

  Clusters(Context context, ProxyKind kind) {
    this(context, kind, null);
  }

  /**
   * @param clientTls how the group's proxies present their mesh identity; null: a group without
   *     one, whose clusters to in-mesh Backends are closed (with a Problem)
   */
  Clusters(Context context, ProxyKind kind, @Nullable MeshTlsIr clientTls) {
    this(context, kind, clientTls, Map.of(), "this group");
  }

  /**
   * @param bridgeIdentities the identity the group's proxies hold in each bridged mesh, by
   *     MeshBridge; clusters to Backends of other bridges are closed (with a Problem)
   * @param proxies who the group's proxies are, for Problems ("Gateway edge/public")
   */
  Clusters(
      Context context,
      ProxyKind kind,
      @Nullable MeshTlsIr clientTls,
      Map<ResourceKey, IdentityIr> bridgeIdentities,
      String proxies) {
    this.bridgeIdentities = Map.copyOf(bridgeIdentities);
    this.proxies = proxies;
    this.context = context;
    this.cache = context.cache;
    this.kind = kind;
    this.clientTls = clientTls;
  }

  /** The bridges whose Backends a cluster reaches, so the group needs its identity there. */
  Set<ResourceKey> bridgesReached() {
    return Set.copyOf(bridgesReached);
  }

  /** Whether a cluster reaches an in-mesh Backend, so the group needs its identity. */
  boolean reachesMesh() {
    return reachesMesh;
  }

  /**
   * The cluster a route should send to: itself, or for proxyless clients {@link #unavailable()}
   * when it is closed on purpose — a gRPC client keeps calling a cluster's last endpoints when they
   * go away (testing/README.md), so only a route to another cluster stops its calls.
   */
  String usable(String cluster) {
    return kind == ProxyKind.PROXYLESS && closed.contains(cluster) ? unavailable() : cluster;
  }

  /** What a resolved cluster's consistent hash uses, or null. */
  HashOnIr hashOn(String cluster) {
    ClusterIr ir = clusters.get(cluster);
    return ir == null || ir.policy() == null ? null : ir.policy().hashOn();
  }

  /**
   * What gRPC's xDS client cannot take, adapted with a Problem on the policy's Backend: maglev
   * becomes ring hash and random round robin (gRPC rejects both), active health checks are left
   * out, and upstream TLS fails closed (gRPC takes TLS from its xDS credentials). The Problems are
   * raised only for Backends that routes address as mesh parents: every Backend is offered to
   * proxyless clients, and one only a Gateway uses should not carry warnings about them.
   */
  private ClusterPolicyIr proxyless(Resource backend, ClusterPolicyIr policy, boolean say) {
    ClusterPolicyIr.LoadBalancing lb = policy.loadBalancing();
    if (lb == ClusterPolicyIr.LoadBalancing.MAGLEV || lb == ClusterPolicyIr.LoadBalancing.RANDOM) {
      ClusterPolicyIr.LoadBalancing instead =
          lb == ClusterPolicyIr.LoadBalancing.MAGLEV
              ? ClusterPolicyIr.LoadBalancing.RING_HASH
              : ClusterPolicyIr.LoadBalancing.ROUND_ROBIN;
      context.problemIf(
          say,
          backend,
          "/spec",
          ProblemReason.UNSUPPORTED_VALUE,
          "proxyless gRPC clients do not know "
              + lb
              + " load balancing; they use "
              + instead
              + " for this Backend");
      lb = instead;
    }
    // Active health checks are left out without a Problem: gRPC clients watch connection state
    // instead, which is what a user of them expects.
    if (policy.outlier() != null) {
      context.problemIf(
          say,
          backend,
          "/spec",
          ProblemReason.UNSUPPORTED_VALUE,
          "proxyless gRPC clients eject endpoints by success rate and failure percentage only, not"
              + " by consecutive errors; outlier detection is left out for them");
    }
    if (policy.tls() != null) {
      context.problemIf(
          say,
          backend,
          "/spec",
          ProblemReason.UNSUPPORTED_VALUE,
          "proxyless gRPC clients take upstream TLS from their xDS credentials, not from a"
              + " BackendTLSPolicy; their calls to this Backend fail closed");
    }
    // No TLS context either: grpc-java would NACK it (it wants certificate providers), and a NACK
    // rejects every cluster of the update. The cluster has no endpoints instead: closed.
    return new ClusterPolicyIr(
        policy.connectTimeoutMillis(),
        lb,
        policy.hashOn(),
        null,
        policy.circuitBreaker(),
        null,
        null,
        null);
  }

  /**
   * The cluster name for a backendRef of {@code route}, or empty (with a Problem) when it does not
   * resolve.
   */
  Optional<String> resolve(Resource route, BackendRef ref, String path) {
    return backend(route, ref, path).map(backend -> cluster(backend, ref.port(), route, path));
  }

  /**
   * The Backend a backendRef of {@code route} names, or empty (with a Problem) when it may not name
   * it or it does not exist. Its cluster is {@link #cluster}'s.
   */
  Optional<Resource> backend(Resource route, BackendRef ref, String path) {
    String namespace = ref.namespace() == null ? route.metadata().namespace() : ref.namespace();
    ResourceKey key = new ResourceKey(Kind.BACKEND, namespace, ref.name());
    String group = ref.group();
    String kind = ref.kind();
    if (!ReferenceGrants.allows(context.config, route, group, kind, namespace, ref.name())) {
      context.problem(
          route,
          path,
          ProblemReason.REF_NOT_PERMITTED,
          "reference to "
              + kind
              + " "
              + namespace
              + "/"
              + ref.name()
              + " in another namespace needs a ReferenceGrant in namespace "
              + namespace);
      return Optional.empty();
    }
    Optional<Resource> backend = context.get(key);
    if (backend.isEmpty()) {
      context.problem(
          route,
          path,
          ProblemReason.BACKEND_NOT_FOUND,
          "backend '" + ref.name() + "' not found in namespace " + namespace);
      return Optional.empty();
    }
    return backend;
  }

  /** The cluster of a Backend (all its endpoints, or those on {@code port}). */
  String cluster(Resource backend, Integer port, Resource referrer, String path) {
    return cluster(Names.cluster(backend.key(), port), backend, port, referrer, path);
  }

  /** As {@link #cluster(Resource, Integer, Resource, String)}, its name made already. */
  String cluster(String name, Resource backend, Integer port, Resource referrer, String path) {
    if (clusters.containsKey(name)) {
      return name;
    }
    List<DiscoveredEndpoint> endpoints = context.endpoints(backend.key());
    if (port != null) {
      List<DiscoveredEndpoint> onPort = endpoints.stream().filter(e -> e.port() == port).toList();
      if (onPort.isEmpty() && !endpoints.isEmpty()) {
        context.problem(
            referrer,
            path + "/port",
            ProblemReason.INVALID,
            "no endpoint of Backend "
                + backend.key().namespace()
                + "/"
                + backend.key().name()
                + " listens on port "
                + port);
      }
      endpoints = onPort;
    }
    Policies.BackendSettings settings = context.policies().backend(backend);
    ClusterPolicyIr policy = settings.policy();
    if (settings.failClosed()) {
      endpoints = List.of();
      closed.add(name);
    }
    if (policy != null && kind == ProxyKind.PROXYLESS) {
      if (policy.tls() != null) {
        endpoints = List.of();
        closed.add(name);
      }
      policy = proxyless(backend, policy, MeshRoutes.isTarget(context, backend.key()));
    }
    BackendMesh mesh = backend.spec(BackendSpec.class).mesh();
    Optional<Bridges.Bridge> bridge = context.bridges().of(backend.key());
    if (bridge.isPresent()) {
      Optional<MeshTlsIr> tls = bridged(backend, bridge.get(), policy, referrer, path);
      if (tls.isEmpty()) {
        endpoints = List.of();
        closed.add(name);
      } else {
        policy = (policy == null ? ClusterPolicyIr.NONE : policy).withMesh(tls.get());
        bridgesReached.add(bridge.get().key());
      }
    } else if (mesh != null) {
      if (policy != null && policy.tls() != null) {
        context.problem(
            backend,
            "/spec/mesh",
            ProblemReason.CONFLICTED,
            "the Backend is in the mesh, so it is reached with mesh mTLS; its BackendTLSPolicy is"
                + " ignored");
      }
      if (clientTls == null) {
        context.problem(
            referrer,
            path,
            ProblemReason.UNSUPPORTED_VALUE,
            "Backend "
                + backend.key().namespace()
                + "/"
                + backend.key().name()
                + " is in the mesh, and these proxies have no mesh identity to call it with");
        endpoints = List.of();
        closed.add(name);
      } else {
        String peer =
            context.mesh.spiffeId(
                backend.key().namespace(), mesh.serviceAccountOr(backend.key().name()));
        policy =
            (policy == null ? ClusterPolicyIr.NONE : policy)
                .withMesh(clientTls.toPeers(List.of(peer)));
        reachesMesh = true;
      }
    }
    BackendProtocol protocol = backend.spec(BackendSpec.class).protocol();
    ClusterInput input =
        new ClusterInput(
            name,
            upstream(protocol),
            endpoints,
            settings.failoverZones(),
            policy,
            Context.source(backend));
    clusters.put(
        name,
        cache.get(
            new CachedCluster(name, kind, clientTls),
            input,
            in -> in.ir(localities(backend.key(), port, in.endpoints(), in.failoverZones()))));
    return name;
  }

  /**
   * A Backend's endpoints (those on {@code port}, or all) as localities: computed once per
   * resolution however many groups send to the Backend, and kept from the last resolution while its
   * endpoints are equal, so the clusters of every group share one instance.
   */
  private List<LocalityIr> localities(
      ResourceKey backend,
      @Nullable Integer port,
      List<DiscoveredEndpoint> endpoints,
      List<String> failoverZones) {
    return context.root.get(
        new CachedLocalities(backend, port),
        new LocalitiesInput(endpoints, failoverZones),
        in -> localities(in.endpoints(), in.failoverZones()));
  }

  /**
   * A cluster in the resolve cache: its name, the kind of proxy and how the group's proxies present
   * themselves (sidecars each their own identity).
   */
  private record CachedCluster(String name, ProxyKind kind, @Nullable MeshTlsIr clientTls) {}

  private record CachedLocalities(ResourceKey backend, @Nullable Integer port) {}

  private record LocalitiesInput(List<DiscoveredEndpoint> endpoints, List<String> failoverZones) {}

  /** Everything a cluster's IR is made of, once its policy and endpoints are decided. */
  private record ClusterInput(
      String name,
      UpstreamProtocol upstream,
      List<DiscoveredEndpoint> endpoints,
      List<String> failoverZones,
      @Nullable ClusterPolicyIr policy,
      SourceRef source) {
    ClusterIr ir(List<LocalityIr> localities) {
      return new ClusterIr(name, upstream, localities, policy, List.of(source));
    }
  }

  /**
   * How this group reaches {@code backend}, which lives inside {@code bridge}'s mesh: with the
   * mesh's mTLS as the identity the group holds there; empty when it cannot (the cluster is then
   * closed), with a Problem saying why unless the Backend's own Problem does.
   */
  private Optional<MeshTlsIr> bridged(
      Resource backend,
      Bridges.Bridge bridge,
      @Nullable ClusterPolicyIr policy,
      Resource referrer,
      String path) {
    BackendSpec spec = backend.spec(BackendSpec.class);
    String named = "Backend " + ref(backend.key());
    if (spec.mesh() != null) {
      context.problem(
          backend,
          "/spec/mesh",
          ProblemReason.CONFLICTED,
          "the Backend is inside MeshBridge "
              + bridge.key().name()
              + ", which decides how it is reached; spec.mesh is ignored");
    }
    if (policy != null && policy.tls() != null) {
      context.problem(
          backend,
          "/spec",
          ProblemReason.CONFLICTED,
          "the Backend is inside MeshBridge "
              + bridge.key().name()
              + ", so it is reached with that mesh's mTLS; its BackendTLSPolicy is ignored");
    }
    IdentityIr own = bridgeIdentities.get(bridge.key());
    if (own == null && kind == ProxyKind.PROXYLESS) {
      // Proxyless clients hold no identity in a bridged mesh: closed, and no Problem on every
      // bridged Backend for a caller nobody configured (docs/mesh-bridge.md says so).
      return Optional.empty();
    }
    if (bridge.unreachable(spec).isPresent()) {
      // Not reachable as written (a Problem on the Backend says why): mTLS would fail.
      return Optional.empty();
    }
    if (own == null) {
      context.problem(
          referrer,
          path,
          ProblemReason.UNSUPPORTED_VALUE,
          named
              + " is inside MeshBridge "
              + ref(bridge.key())
              + ", and "
              + proxies
              + " holds no identity there (a Gateway must be listed in its spec.gateways)");
      return Optional.empty();
    }
    SpiffeId peer = bridge.peerOf(spec);
    Optional<Denial> denial =
        SpiffeId.parse(own.spiffeId()).flatMap(caller -> context.identities.denial(caller, peer));
    if (denial.isPresent()) {
      context.problem(
          referrer,
          path,
          ProblemReason.REF_NOT_PERMITTED,
          named + " (" + peer + "): " + denial.get().reason() + " for " + proxies);
      return Optional.empty();
    }
    return Optional.of(bridge.tlsTo(own, spec));
  }

  private static String ref(ResourceKey key) {
    return key.namespace() + "/" + key.name();
  }

  /**
   * Endpoints grouped by priority, region and zone; a locality's weight is the sum of its
   * endpoints'. An endpoint's own priority (a failover source's place) comes first; within it, with
   * failover zones, a listed zone's place in the list, every other zone after them. Priorities are
   * then numbered densely from 0 (gRPC refuses gaps); localities are ordered by priority, then
   * region and zone.
   */
  private static List<LocalityIr> localities(
      List<DiscoveredEndpoint> endpoints, List<String> failoverZones) {
    Map<Locality, List<DiscoveredEndpoint>> byLocality = new TreeMap<>(Locality.ORDER);
    for (DiscoveredEndpoint e : endpoints) {
      byLocality
          .computeIfAbsent(new Locality(e.priority(), e.region(), e.zone()), k -> new ArrayList<>())
          .add(e);
    }
    List<LocalityIr> localities = new ArrayList<>();
    for (List<DiscoveredEndpoint> group : byLocality.values()) {
      List<EndpointIr> ir = distinctSorted(group);
      int weight = 0;
      for (EndpointIr e : ir) {
        weight += e.weight();
      }
      String zone = group.get(0).zone();
      int zonePriority =
          failoverZones.isEmpty()
              ? 0
              : failoverZones.contains(zone) ? failoverZones.indexOf(zone) : failoverZones.size();
      int priority = group.get(0).priority() * (failoverZones.size() + 1) + zonePriority;
      localities.add(new LocalityIr(group.get(0).region(), zone, weight, priority, ir));
    }
    localities.sort(Comparator.comparingInt(LocalityIr::priority));
    List<Integer> used = localities.stream().map(LocalityIr::priority).distinct().toList();
    return localities.stream()
        .map(
            l ->
                new LocalityIr(
                    l.region(), l.zone(), l.weight(), used.indexOf(l.priority()), l.endpoints()))
        .toList();
  }

  /** A locality's place: priority first, then region and zone (as text, in that order). */
  private record Locality(int priority, String region, String zone) {
    static final Comparator<Locality> ORDER =
        Comparator.comparingInt(Locality::priority)
            .thenComparing(Locality::region)
            .thenComparing(Locality::zone);
  }

  /**
   * One locality's endpoints as IR, sorted by address and port, each distinct endpoint once (the
   * first of equal ones): sorting is stable, so equal endpoints share a run of one address and
   * port, and only such a run is searched for an earlier equal one.
   */
  private static List<EndpointIr> distinctSorted(List<DiscoveredEndpoint> endpoints) {
    List<EndpointIr> all = new ArrayList<>(endpoints.size());
    for (DiscoveredEndpoint e : endpoints) {
      all.add(
          new EndpointIr(
              e.address(),
              e.port(),
              e.weight(),
              EndpointIr.Health.valueOf(e.health().name()),
              e.metadata()));
    }
    all.sort(Comparator.comparing(EndpointIr::address).thenComparingInt(EndpointIr::port));
    List<EndpointIr> distinct = new ArrayList<>(all.size());
    int run = 0;
    for (EndpointIr e : all) {
      if (!distinct.isEmpty()) {
        EndpointIr last = distinct.get(distinct.size() - 1);
        if (last.port() != e.port() || !last.address().equals(e.address())) {
          run = distinct.size();
        }
      }
      if (!distinct.subList(run, distinct.size()).contains(e)) {
        distinct.add(e);
      }
    }
    return List.copyOf(distinct);
  }

  /**
   * A cluster of one of meshgate's own services at the addresses the settings give (HTTP/2, every
   * endpoint of equal weight). With none, a Problem on {@code source}: the cluster has no
   * endpoints, and the requests that need the service meet the failure mode of their filter.
   */
  void edgeService(
      String name, List<EdgeServices.Address> addresses, Resource source, String service) {
    if (clusters.containsKey(name)) {
      return;
    }
    if (addresses.isEmpty()) {
      context.problem(
          source,
          "/spec",
          ProblemReason.UNSUPPORTED_VALUE,
          "its routes use meshgate's "
              + service
              + " service, but this replica knows no address of it (see docs/rate-limits.md);"
              + " their requests meet the policy's failure mode");
    }
    List<EndpointIr> endpoints =
        addresses.stream().map(a -> new EndpointIr(a.host(), a.port(), 1)).toList();
    clusters.put(
        name,
        new ClusterIr(
            name,
            UpstreamProtocol.HTTP2,
            endpoints.isEmpty() ? List.of() : List.of(new LocalityIr("", "", 1, 0, endpoints)),
            null,
            List.of(Context.source(source))));
  }

  /** A cluster of one fixed endpoint: a sidecar's local application. */
  String local(String name, String address, int port, UpstreamProtocol protocol, Resource source) {
    clusters.putIfAbsent(
        name,
        new ClusterIr(
            name,
            protocol,
            List.of(new LocalityIr("", "", 1, 0, List.of(new EndpointIr(address, port, 1)))),
            null,
            List.of(Context.source(source))));
    return name;
  }

  static UpstreamProtocol upstream(BackendProtocol protocol) {
    return protocol == BackendProtocol.GRPC || protocol == BackendProtocol.HTTP2
        ? UpstreamProtocol.HTTP2
        : UpstreamProtocol.HTTP1;
  }

  /** The cluster without endpoints that proxyless routes which must fail are sent to. */
  String unavailable() {
    clusters.putIfAbsent(
        Names.UNAVAILABLE_CLUSTER,
        new ClusterIr(
            Names.UNAVAILABLE_CLUSTER, UpstreamProtocol.HTTP2, List.of(), null, List.of()));
    return Names.UNAVAILABLE_CLUSTER;
  }

  List<ClusterIr> all() {
    return List.copyOf(new TreeMap<>(clusters).values());
  }
}
