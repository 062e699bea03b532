package io.meshgate.xds.resolve;

import io.meshgate.config.model.BackendMesh;
import io.meshgate.config.model.BackendProtocol;
import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.SidecarInbound;
import io.meshgate.config.model.SidecarSpec;
import io.meshgate.config.model.SidecarUpstream;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.xds.ir.AccessIr;
import io.meshgate.xds.ir.FilterChainIr;
import io.meshgate.xds.ir.GlobalRateLimitIr;
import io.meshgate.xds.ir.HeaderOpsIr;
import io.meshgate.xds.ir.IdentityIr;
import io.meshgate.xds.ir.ListenerIr;
import io.meshgate.xds.ir.MeshTlsIr;
import io.meshgate.xds.ir.PathMatchIr;
import io.meshgate.xds.ir.PortListenerIr;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.ProxyKind;
import io.meshgate.xds.ir.RouteActionIr;
import io.meshgate.xds.ir.RouteIr;
import io.meshgate.xds.ir.RouteMatchIr;
import io.meshgate.xds.ir.RouteTableIr;
import io.meshgate.xds.ir.SourceRef;
import io.meshgate.xds.ir.VirtualHostIr;
import io.meshgate.xds.ir.WeightedClusterIr;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One group per Sidecar, as Consul Connect lays out a sidecar proxy: an inbound listener on the
 * sidecar's port forwarding to the local application, and for each declared upstream a listener on
 * its local bind address and port forwarding to the upstream Backend's cluster. HTTP, HTTP/2 and
 * gRPC go through a connection manager (access logs, retries and policies apply); TCP through a TCP
 * proxy. An HTTP, HTTP/2 or gRPC upstream that mesh-style routes are attached to (HTTPRoutes and
 * GRPCRoutes whose parentRef is the Backend, as Gateway API's GAMMA attaches them to a Service) is
 * routed by their rules instead, as a Gateway listener would route them: matches, weighted
 * backendRefs, filters, timeouts and retries, and the clusters of every Backend they name.
 *
 * <p>A sidecar is in the mesh: it holds the SPIFFE identity of its service account (SDS Secrets
 * from the mesh CA), its inbound listener requires callers' mesh certificates and lets in only
 * those its Backend's TrafficPermissions allow, and its upstream clusters to in-mesh Backends
 * present its identity.
 */
final class SidecarGroups {
  private final Context context;

  SidecarGroups(Context context) {
    this.context = context;
  }

  List<ProxyGroupIr> resolve() {
    // The indexes every group reads, built (and their Problems raised) before any group's
    // resolution is recorded: a recorded group holds only what its own inputs caused.
    context.policies();
    context.access();
    List<ProxyGroupIr> groups = new ArrayList<>();
    for (Resource sidecar : context.config.ofKind(Kind.SIDECAR)) {
      ProxyGroupIr group =
          context.isolated(Names.sidecarGroup(sidecar.key()), sidecar, () -> reused(sidecar));
      if (group != null) {
        groups.add(group);
      }
    }
    return groups;
  }

  /**
   * A sidecar's group as the last build resolved it — the same instance, so nothing after resolve
   * looks at it again — when nothing it was resolved from changed: the Sidecar, everything but
   * routes and Backends ({@link ResolveCache#environmentButBackends}), the mesh-style routes of
   * each of its upstreams, every Backend it read (the same instance, or still absent) and those
   * Backends' endpoints. Its Problems are raised again. Otherwise it is resolved in its own scope
   * of the cache, where its clusters and route tables are kept from build to build. In a mesh of
   * thousands of sidecars, a route's change resolves the sidecars that call its Backend, and a
   * Backend's change or its endpoints' (from its spec or a discovery source) those that send to it.
   */
  private ProxyGroupIr reused(Resource sidecar) {
    return context.reusedGroup(
        new SidecarScope(sidecar.key()),
        new SidecarInput(sidecar, context.environmentButBackends(), upstreamRoutes(sidecar)),
        () -> group(sidecar));
  }

  /** The mesh-style routes attached to each upstream's Backend, in the upstreams' order. */
  private List<List<Resource>> upstreamRoutes(Resource sidecar) {
    SidecarSpec spec = sidecar.spec(SidecarSpec.class);
    List<List<Resource>> routes = new ArrayList<>(spec.upstreams().size());
    for (SidecarUpstream upstream : spec.upstreams()) {
      String namespace =
          upstream.namespace() == null ? sidecar.metadata().namespace() : upstream.namespace();
      routes.add(
          MeshRoutes.of(context, new ResourceKey(Kind.BACKEND, namespace, upstream.backend())));
    }
    return routes;
  }

  /** A sidecar's group in the resolve cache, and the scope its own parts are kept in. */
  private record SidecarScope(ResourceKey sidecar) {}

  /** What a sidecar's group is resolved from, besides the endpoints it reads. */
  private record SidecarInput(Resource sidecar, Object environment, List<List<Resource>> routes) {}

  private ProxyGroupIr group(Resource sidecar) {
    SidecarSpec spec = sidecar.spec(SidecarSpec.class);
    ResourceKey key = sidecar.key();
    Optional<Resource> service =
        context.get(new ResourceKey(Kind.BACKEND, key.namespace(), spec.service()));
    BackendMesh serviceMesh = service.map(b -> b.spec(BackendSpec.class).mesh()).orElse(null);
    String serviceAccount = serviceAccount(sidecar, context.config);
    IdentityIr identity =
        new IdentityIr(
            context.mesh.spiffeId(key.namespace(), serviceAccount), context.mesh.trustBundle());
    MeshTlsIr tls =
        new MeshTlsIr(
            MeshTlsIr.Delivery.SDS, identity.spiffeId(), identity.trustBundle(), List.of());
    Clusters clusters = new Clusters(context, ProxyKind.ENVOY, tls);
    RouteRules rules = new RouteRules(context, clusters, ProxyKind.ENVOY);
    List<ListenerIr> listeners = new ArrayList<>();
    List<RouteTableIr> tables = new ArrayList<>();

    if (service.isPresent() && serviceMesh == null) {
      context.problem(
          sidecar,
          "/spec/service",
          ProblemReason.INVALID,
          "Backend '"
              + spec.service()
              + "' has no spec.mesh: its callers do not use mTLS, and this sidecar accepts only"
              + " mesh callers");
    }
    AccessIr access =
        serviceMesh == null
            ? new AccessIr(List.of(), List.of(), false)
            : context.access().of(service.get().key());
    if (inboundOperationsIgnored(spec, service, serviceMesh)) {
      context.problem(
          sidecar,
          "/spec/inbound/protocol",
          ProblemReason.UNSUPPORTED_VALUE,
          "TCP: the methods and paths of TrafficPermissions for Backend '"
              + spec.service()
              + "' cannot be checked; those permissions apply to every connection of the"
              + " callers they name");
    }
    if (service.isEmpty()) {
      context.problem(
          sidecar,
          "/spec/service",
          ProblemReason.BACKEND_NOT_FOUND,
          "Backend '"
              + spec.service()
              + "' not found in namespace "
              + key.namespace()
              + "; the sidecar still forwards inbound traffic to its application");
    }
    SidecarInbound inbound = spec.inbound();
    String local =
        clusters.local(
            Names.sidecarLocal(key),
            inbound.localAddress(),
            inbound.localPort(),
            Clusters.upstream(inbound.protocol()),
            sidecar);
    String inboundName = Names.sidecarInbound(key);
    listeners.add(inbound(inboundName, inbound, local, sidecar, tables, tls, access));

    for (int u = 0; u < spec.upstreams().size(); u++) {
      SidecarUpstream upstream = spec.upstreams().get(u);
      String at = "/spec/upstreams/" + u;
      String namespace = upstream.namespace() == null ? key.namespace() : upstream.namespace();
      ResourceKey backendKey = new ResourceKey(Kind.BACKEND, namespace, upstream.backend());
      Optional<Resource> backend = context.get(backendKey);
      if (backend.isEmpty()) {
        context.problem(
            sidecar,
            at + "/backend",
            ProblemReason.BACKEND_NOT_FOUND,
            "Backend '"
                + upstream.backend()
                + "' not found in namespace "
                + namespace
                + "; no listener on "
                + upstream.localBindAddress()
                + ":"
                + upstream.localBindPort());
        continue;
      }
      String name = Names.sidecarOutbound(backendKey);
      BackendProtocol protocol = backend.get().spec(BackendSpec.class).protocol();
      List<Resource> routes = MeshRoutes.of(context, backendKey);
      if (protocol == BackendProtocol.TCP) {
        for (Resource route : routes) {
          context.problem(
              route,
              MeshRoutes.parentRefPath(route, backendKey),
              ProblemReason.UNSUPPORTED_VALUE,
              "Backend "
                  + backendKey.namespace()
                  + "/"
                  + backendKey.name()
                  + " speaks TCP; sidecars forward its connections without this route's rules");
        }
      } else if (!routes.isEmpty()) {
        listeners.add(routed(name, upstream, backendKey, routes, sidecar, rules, clusters, tables));
        continue;
      }
      String cluster = clusters.cluster(backend.get(), null, sidecar, at);
      listeners.add(
          listener(
              name,
              upstream.localBindAddress(),
              upstream.localBindPort(),
              protocol,
              cluster,
              sidecar,
              tables));
    }
    return new ProxyGroupIr(
        Names.sidecarGroup(key),
        ProxyKind.ENVOY,
        listeners,
        tables,
        clusters.all(),
        List.of(),
        List.of(identity),
        Context.source(sidecar));
  }

  /**
   * The service account of a Sidecar's identity: its own, else its service Backend's mesh service
   * account, else the service's name.
   */
  static String serviceAccount(Resource sidecar, ConfigSnapshot config) {
    SidecarSpec spec = sidecar.spec(SidecarSpec.class);
    if (spec.serviceAccount() != null) {
      return spec.serviceAccount();
    }
    return config
        .get(new ResourceKey(Kind.BACKEND, sidecar.metadata().namespace(), spec.service()))
        .map(b -> b.spec(BackendSpec.class).mesh())
        .map(mesh -> mesh.serviceAccountOr(spec.service()))
        .orElse(spec.service());
  }

  private boolean inboundOperationsIgnored(
      SidecarSpec spec, Optional<Resource> service, BackendMesh serviceMesh) {
    return spec.inbound().protocol() == BackendProtocol.TCP
        && serviceMesh != null
        && context.access().hasOperations(service.get().key());
  }

  /**
   * The inbound listener: mTLS with the sidecar's identity, callers' certificates required, then
   * the access rules — per virtual host for HTTP (a permission change is a route change, and Envoy
   * keeps its connections), on the chain for TCP.
   */
  private static PortListenerIr inbound(
      String name,
      SidecarInbound inbound,
      String cluster,
      Resource sidecar,
      List<RouteTableIr> tables,
      MeshTlsIr tls,
      AccessIr access) {
    FilterChainIr.Target target;
    if (inbound.protocol() == BackendProtocol.TCP) {
      target =
          new FilterChainIr.Target.Tcp(name, List.of(new WeightedClusterIr(cluster, 1)), access);
    } else {
      tables.add(everythingTo(name, cluster, sidecar, access));
      target = new FilterChainIr.Target.Inbound(name);
    }
    return new PortListenerIr(
        name,
        "0.0.0.0",
        inbound.port(),
        List.of(new FilterChainIr(name, List.of(), List.of(), target, tls)),
        List.of(Context.source(sidecar)));
  }

  /**
   * A plaintext HTTP listener to an upstream that mesh-style routes are attached to: its route
   * table holds their routes, in Gateway API's precedence, on one virtual host for every authority
   * (the application dials a local port, whatever name it uses). A request no route matches is
   * answered 404, as on a Gateway. The chain holds the filters the routes' policies need (global
   * rate limits, with meshgate's rate limit service as a cluster; response caches; the body
   * service), as a Gateway listener's does.
   */
  private PortListenerIr routed(
      String name,
      SidecarUpstream upstream,
      ResourceKey backend,
      List<Resource> routes,
      Resource sidecar,
      RouteRules rules,
      Clusters clusters,
      List<RouteTableIr> tables) {
    List<Candidate> candidates = new ArrayList<>();
    for (Resource route : routes) {
      candidates.addAll(rules.sidecar(route));
    }
    List<RouteIr> ordered =
        candidates.stream().sorted(Candidate.PRECEDENCE).map(Candidate::route).toList();
    List<VirtualHostIr> hosts = List.of(new VirtualHostIr(name, List.of("*"), ordered));
    Set<GlobalRateLimitIr.Stage> stages = EnumSet.noneOf(GlobalRateLimitIr.Stage.class);
    for (RouteIr route : ordered) {
      if (route.policy() != null && route.policy().globalRateLimit() != null) {
        stages.add(route.policy().globalRateLimit().stage());
      }
    }
    if (!stages.isEmpty()) {
      clusters.edgeService(
          Names.RATE_LIMIT_CLUSTER, context.mesh.edge().rateLimit(), sidecar, "rate limit");
    }
    // Kept at the root: every sidecar that calls the Backend holds the same table, one instance,
    // so its route configuration is assembled and packed once a build.
    RouteTableIr table = new RouteTableIr(name, hosts);
    tables.add(context.atRoot(() -> context.kept(new UpstreamTable(backend), table)));
    // Not the sidecar: the group's owner stands for it (Provenance), and without it the sidecars
    // that call the Backend alike hold equal listeners, translated once.
    Set<SourceRef> sources = new LinkedHashSet<>();
    ordered.forEach(route -> sources.add(route.source()));
    sources.addAll(TransformPolicies.sources(hosts));
    FilterChainIr.Target target =
        new FilterChainIr.Target.Http(
            name,
            null,
            null,
            List.of(),
            List.of(),
            null,
            List.copyOf(stages),
            List.of(),
            null,
            TransformPolicies.caches(hosts),
            TransformPolicies.extProc(hosts, context.mesh.edge().extProc()));
    return new PortListenerIr(
        name,
        upstream.localBindAddress(),
        upstream.localBindPort(),
        List.of(new FilterChainIr(name, List.of(), List.of(), target)),
        List.copyOf(sources));
  }

  /**
   * Where the route table of the mesh-style routes of a Backend is kept, for every sidecar that
   * calls it: a key whose strings are the config's own, so a lookup hashes and compares no string
   * built for it.
   */
  private record UpstreamTable(ResourceKey backend) {}

  /**
   * A plaintext listener forwarding everything to one cluster, over HTTP or TCP; equal for every
   * sidecar that binds the Backend to the same address and port.
   */
  private static PortListenerIr listener(
      String name,
      String address,
      int port,
      BackendProtocol protocol,
      String cluster,
      Resource sidecar,
      List<RouteTableIr> tables) {
    FilterChainIr.Target target;
    if (protocol == BackendProtocol.TCP) {
      target = new FilterChainIr.Target.Tcp(name, List.of(new WeightedClusterIr(cluster, 1)));
    } else {
      tables.add(everythingTo(name, cluster, sidecar, null));
      target = new FilterChainIr.Target.Http(name, null);
    }
    // No sources: the group's owner, the Sidecar, stands for it (as for a routed listener).
    return new PortListenerIr(
        name,
        address,
        port,
        List.of(new FilterChainIr(name, List.of(), List.of(), target)),
        List.of());
  }

  /** A route table named {@code name} sending every request to {@code cluster}. */
  private static RouteTableIr everythingTo(
      String name, String cluster, Resource sidecar, @Nullable AccessIr access) {
    RouteIr route =
        new RouteIr(
            name,
            new RouteMatchIr(new PathMatchIr.Prefix("/"), List.of(), List.of()),
            new RouteActionIr.Forward(List.of(new WeightedClusterIr(cluster, 1))),
            HeaderOpsIr.NONE,
            HeaderOpsIr.NONE,
            null,
            null,
            null,
            Context.source(sidecar));
    return new RouteTableIr(
        name, List.of(new VirtualHostIr(name, List.of("*"), List.of(route), null, access)));
  }
}
