package io.meshgate.xds.resolve;

import io.meshgate.config.model.BackendProtocol;
import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.GrpcRouteSpec;
import io.meshgate.config.model.HttpRouteSpec;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ParentRef;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.xds.ir.ApiListenerIr;
import io.meshgate.xds.ir.HeaderOpsIr;
import io.meshgate.xds.ir.ListenerIr;
import io.meshgate.xds.ir.PathMatchIr;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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

  ProxyGroupIr resolve() {
    Clusters clusters = new Clusters(context, ProxyKind.PROXYLESS);
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
      for (Resource route : meshRoutes(context).getOrDefault(backend.key(), List.of())) {
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
      tables.add(new RouteTableIr(name, List.of(new VirtualHostIr(name, List.of(name), routes))));
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

  /** Whether any HTTPRoute or GRPCRoute names this Backend as its parent (mesh style). */
  static boolean isMeshTarget(Context context, ResourceKey backend) {
    return meshRoutes(context).containsKey(backend);
  }

  /**
   * HTTPRoutes, then GRPCRoutes, by the Backend they name as a parent (kind Backend, or Service):
   * one pass over the routes instead of one per Backend.
   */
  private static Map<ResourceKey, List<Resource>> meshRoutes(Context context) {
    return context.memo(
        "meshRoutes",
        () -> {
          Map<ResourceKey, List<Resource>> byBackend = new HashMap<>();
          List<Resource> routes = new ArrayList<>(context.config.ofKind(Kind.HTTP_ROUTE));
          routes.addAll(context.config.ofKind(Kind.GRPC_ROUTE));
          for (Resource route : routes) {
            List<ParentRef> parents =
                route.kind() == Kind.HTTP_ROUTE
                    ? route.spec(HttpRouteSpec.class).parentRefs()
                    : route.spec(GrpcRouteSpec.class).parentRefs();
            parents.stream()
                .filter(ParentRef::isBackend)
                .map(
                    p ->
                        new ResourceKey(
                            Kind.BACKEND,
                            p.namespace() == null ? route.metadata().namespace() : p.namespace(),
                            p.name()))
                .distinct()
                .forEach(key -> byBackend.computeIfAbsent(key, k -> new ArrayList<>()).add(route));
          }
          return byBackend;
        });
  }
}
