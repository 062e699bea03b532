package io.meshgate.xds.resolve;

import io.meshgate.config.model.GrpcRouteSpec;
import io.meshgate.config.model.HttpRouteSpec;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ParentRef;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The mesh-style routes of a resolution: HTTPRoutes and GRPCRoutes whose parentRef is a Backend
 * (group meshgate.io, kind Backend), by that Backend. Both the proxyless group and sidecars route
 * the traffic they send to a Backend by them; indexed once per resolution, in one pass over the
 * routes instead of one per Backend.
 */
final class MeshRoutes {
  private MeshRoutes() {}

  /** The routes attached to {@code backend}: HTTPRoutes first, then GRPCRoutes, each in order. */
  static List<Resource> of(Context context, ResourceKey backend) {
    return index(context).getOrDefault(backend, List.of());
  }

  /** Every Backend's routes, as {@link #of} gives them; the same map for one resolution. */
  static Map<ResourceKey, List<Resource>> all(Context context) {
    return index(context);
  }

  /** Whether any HTTPRoute or GRPCRoute names this Backend as its parent. */
  static boolean isTarget(Context context, ResourceKey backend) {
    return index(context).containsKey(backend);
  }

  /**
   * Where in {@code route} its parentRef to {@code backend} is, as a JSON pointer; the first such
   * parentRef's.
   */
  static String parentRefPath(Resource route, ResourceKey backend) {
    List<ParentRef> parents = parents(route);
    for (int p = 0; p < parents.size(); p++) {
      if (parents.get(p).isBackend() && backend.equals(key(route, parents.get(p)))) {
        return "/spec/parentRefs/" + p;
      }
    }
    return "/spec/parentRefs";
  }

  private static Map<ResourceKey, List<Resource>> index(Context context) {
    return context.memo(
        "meshRoutes",
        () -> {
          Map<ResourceKey, List<Resource>> byBackend = new HashMap<>();
          List<Resource> routes = new ArrayList<>(context.config.ofKind(Kind.HTTP_ROUTE));
          routes.addAll(context.config.ofKind(Kind.GRPC_ROUTE));
          for (Resource route : routes) {
            parents(route).stream()
                .filter(ParentRef::isBackend)
                .map(p -> key(route, p))
                .distinct()
                .forEach(key -> byBackend.computeIfAbsent(key, k -> new ArrayList<>()).add(route));
          }
          return Collections.unmodifiableMap(byBackend);
        });
  }

  private static List<ParentRef> parents(Resource route) {
    return route.kind() == Kind.HTTP_ROUTE
        ? route.spec(HttpRouteSpec.class).parentRefs()
        : route.spec(GrpcRouteSpec.class).parentRefs();
  }

  private static ResourceKey key(Resource route, ParentRef parent) {
    return new ResourceKey(
        Kind.BACKEND,
        parent.namespace() == null ? route.metadata().namespace() : parent.namespace(),
        parent.name());
  }
}
