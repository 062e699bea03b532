package io.meshgate.xds.resolve;

import io.meshgate.config.model.BackendMesh;
import io.meshgate.config.model.BackendProtocol;
import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.xds.ir.ApiListenerIr;
import io.meshgate.xds.ir.FilterChainIr;
import io.meshgate.xds.ir.HeaderOpsIr;
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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The group of proxyless gRPC clients: one API listener per Backend, named {@code NAME.NAMESPACE},
 * so a client dials {@code xds:///NAME.NAMESPACE}. Routes attached to the Backend (mesh style:
 * parentRefs of kind Backend) steer its traffic; without one, a default route sends everything to
 * the Backend itself.
 */
final class ProxylessGroup {
  private final Context context;

  ProxylessGroup(Context context) {
    this.context = context;
  }

  /**
   * The group as the last build resolved it ({@link Context#reusedGroup}) while everything but
   * routes ({@link Context#environment()}, Backends among it), the mesh-style routes and the
   * endpoints it read are unchanged: a gateway route's change leaves it as it was. The indexes it
   * reads are built (their Problems raised) before, so that its recorded Problems are its own.
   */
  ProxyGroupIr resolve() {
    context.policies();
    context.access();
    return context.reusedGroup(
        new ProxylessScope(),
        new ProxylessInput(context.environment(), MeshRoutes.all(context)),
        this::group);
  }

  /** The shared proxyless group in the resolve cache, and the scope its own parts are kept in. */
  private record ProxylessScope() {}

  /** What the proxyless group is resolved from, besides the endpoints it reads. */
  private record ProxylessInput(Object environment, Map<ResourceKey, List<Resource>> meshRoutes) {}

  private ProxyGroupIr group() {
    // Every proxyless client presents the identity in its certificate files to in-mesh Backends.
    Clusters clusters = new Clusters(context, ProxyKind.PROXYLESS, MeshTlsIr.provider(List.of()));
    RouteRules rules = new RouteRules(context, clusters, ProxyKind.PROXYLESS);
    List<ListenerIr> listeners = new ArrayList<>();
    List<RouteTableIr> tables = new ArrayList<>();
    for (Resource backend : context.config.ofKind(Kind.BACKEND)) {
      if (backend.spec(BackendSpec.class).protocol() == BackendProtocol.TCP) {
        // A gRPC client speaks HTTP/2: a TCP backend is not one it can call.
        continue;
      }
      String name = Names.apiListener(backend.key());
      List<Candidate> candidates = new ArrayList<>();
      for (Resource route : MeshRoutes.of(context, backend.key())) {
        candidates.addAll(
            route.kind() == Kind.HTTP_ROUTE
                ? rules.http(route, null, null)
                : rules.grpc(route, null, null));
      }
      List<RouteIr> routes =
          new ArrayList<>(
              candidates.stream().sorted(Candidate.PRECEDENCE).map(Candidate::route).toList());
      List<SourceRef> sources = new ArrayList<>();
      sources.add(Context.source(backend));
      routes.stream().map(RouteIr::source).filter(s -> !sources.contains(s)).forEach(sources::add);
      if (routes.isEmpty()) {
        String cluster = clusters.usable(clusters.cluster(backend, null, backend, "/spec"));
        routes.add(
            new RouteIr(
                Names.defaultRoute(backend.key()),
                new RouteMatchIr(new PathMatchIr.Prefix("/"), List.of(), List.of()),
                new RouteActionIr.Forward(List.of(new WeightedClusterIr(cluster, 1))),
                HeaderOpsIr.NONE,
                HeaderOpsIr.NONE,
                null,
                null,
                null,
                Context.source(backend)));
      }
      listeners.add(new ApiListenerIr(name, name, sources));
      tables.add(
          context.kept(
              Names.PROXYLESS_GROUP,
              new RouteTableIr(name, List.of(new VirtualHostIr(name, List.of(name), routes)))));
    }
    return new ProxyGroupIr(
        Names.PROXYLESS_GROUP,
        ProxyKind.PROXYLESS,
        listeners,
        tables,
        clusters.all(),
        List.of(),
        null);
  }

  /**
   * One group per mesh identity whose Backends have proxyless servers ({@code
   * spec.mesh.serverPorts}): {@code proxyless/NS/SA} holds everything the shared group does (its
   * servers are clients too) and a server listener per port — mTLS with the certificate provider's
   * identity, callers' certificates required, the Backend's permissions on the route table's host.
   * A port two Backends of one identity both claim is served for the first (by name), with a
   * Problem.
   */
  List<ProxyGroupIr> servers(ProxyGroupIr shared) {
    Map<String, Map<Integer, Resource>> portsByIdentity = new TreeMap<>();
    for (Resource backend : context.config.ofKind(Kind.BACKEND)) {
      BackendMesh mesh = backend.spec(BackendSpec.class).mesh();
      if (mesh == null || mesh.serverPorts().isEmpty()) {
        continue;
      }
      String group =
          Names.proxylessGroup(
              backend.metadata().namespace(), mesh.serviceAccountOr(backend.metadata().name()));
      Map<Integer, Resource> ports = portsByIdentity.computeIfAbsent(group, g -> new TreeMap<>());
      for (int i = 0; i < mesh.serverPorts().size(); i++) {
        int port = mesh.serverPorts().get(i);
        Resource first = ports.putIfAbsent(port, backend);
        if (first != null && !first.key().equals(backend.key())) {
          context.problem(
              backend,
              "/spec/mesh/serverPorts/" + i,
              ProblemReason.CONFLICTED,
              "port "
                  + port
                  + " of identity "
                  + group
                  + " already serves Backend "
                  + first.metadata().name()
                  + "; this Backend gets no server listener on it");
        }
      }
    }
    List<ProxyGroupIr> groups = new ArrayList<>();
    for (Map.Entry<String, Map<Integer, Resource>> identity : portsByIdentity.entrySet()) {
      List<ListenerIr> listeners = new ArrayList<>(shared.listeners());
      List<RouteTableIr> tables = new ArrayList<>(shared.routeTables());
      for (Map.Entry<Integer, Resource> served : identity.getValue().entrySet()) {
        Resource backend = served.getValue();
        String account =
            backend.spec(BackendSpec.class).mesh().serviceAccountOr(backend.metadata().name());
        String name = Names.proxylessServer(served.getKey());
        String table =
            Names.proxylessServerRoutes(backend.metadata().namespace(), account, served.getKey());
        RouteIr serve =
            new RouteIr(
                table,
                new RouteMatchIr(new PathMatchIr.Prefix("/"), List.of(), List.of()),
                new RouteActionIr.Serve(),
                HeaderOpsIr.NONE,
                HeaderOpsIr.NONE,
                null,
                null,
                null,
                Context.source(backend));
        tables.add(
            context.kept(
                Names.PROXYLESS_GROUP + "/servers",
                new RouteTableIr(
                    table,
                    List.of(
                        new VirtualHostIr(
                            table,
                            List.of("*"),
                            List.of(serve),
                            null,
                            context.access().of(backend.key()))))));
        listeners.add(
            new PortListenerIr(
                name,
                "0.0.0.0",
                served.getKey(),
                List.of(
                    new FilterChainIr(
                        table,
                        List.of(),
                        List.of(),
                        new FilterChainIr.Target.Inbound(table),
                        MeshTlsIr.provider(List.of()))),
                List.of(Context.source(backend))));
      }
      groups.add(
          new ProxyGroupIr(
              identity.getKey(),
              ProxyKind.PROXYLESS,
              listeners,
              tables,
              shared.clusters(),
              List.of(),
              null));
    }
    return groups;
  }
}
