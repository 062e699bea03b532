package io.meshgate.xds.resolve;

import io.meshgate.config.model.FromNamespaces;
import io.meshgate.config.model.GatewayListener;
import io.meshgate.config.model.GatewaySpec;
import io.meshgate.config.model.GrpcRouteSpec;
import io.meshgate.config.model.HttpRouteSpec;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ListenerProtocol;
import io.meshgate.config.model.ParentRef;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.RouteGroupKind;
import io.meshgate.config.schema.Wire;
import io.meshgate.xds.ir.HttpListenerIr;
import io.meshgate.xds.ir.ListenerIr;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.ProxyKind;
import io.meshgate.xds.ir.RouteIr;
import io.meshgate.xds.ir.RouteTableIr;
import io.meshgate.xds.ir.SourceRef;
import io.meshgate.xds.ir.VirtualHostIr;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One group per Gateway: an HTTP listener per port, a virtual host per effective hostname, and the
 * routes of every HTTPRoute and GRPCRoute attached to a listener on that port. Listeners of other
 * protocols are left out with a Problem until their translation lands.
 */
final class GatewayGroups {
  private final Context context;

  GatewayGroups(Context context) {
    this.context = context;
  }

  List<ProxyGroupIr> resolve() {
    List<ProxyGroupIr> groups = new ArrayList<>();
    for (Resource gateway : context.config.ofKind(Kind.GATEWAY)) {
      groups.add(group(gateway));
    }
    return groups;
  }

  private ProxyGroupIr group(Resource gateway) {
    GatewaySpec spec = gateway.spec(GatewaySpec.class);
    Clusters clusters = new Clusters(context, ProxyKind.ENVOY);
    RouteRules rules = new RouteRules(context, clusters, ProxyKind.ENVOY);
    // port → hostname → candidates; TreeMaps keep the output sorted.
    Map<Integer, Map<String, List<Candidate>>> ports = new TreeMap<>();
    Map<Integer, TreeSet<String>> listenerNames = new TreeMap<>();
    // port → hostname → the first listener (in spec order) that brought the hostname.
    Map<Integer, Map<String, String>> hostListeners = new TreeMap<>();
    Policies policies = context.policies();
    // A route is fine if its hostnames fit at least one listener it names (Gateway API).
    Map<Resource, List<GatewayListener>> unfitting = new java.util.LinkedHashMap<>();
    java.util.Set<Resource> attachedSomewhere = new java.util.HashSet<>();
    List<Resource> routes = new ArrayList<>(context.config.ofKind(Kind.HTTP_ROUTE));
    routes.addAll(context.config.ofKind(Kind.GRPC_ROUTE));
    for (int l = 0; l < spec.listeners().size(); l++) {
      GatewayListener listener = spec.listeners().get(l);
      if (listener.protocol() != ListenerProtocol.HTTP) {
        context.problem(
            gateway,
            "/spec/listeners/" + l + "/protocol",
            "protocol "
                + Wire.name(listener.protocol())
                + " is not translated yet; listener '"
                + listener.name()
                + "' is left out (UnsupportedProtocol)");
        continue;
      }
      if (listener.allowedRoutes() != null
          && listener.allowedRoutes().namespaces() != null
          && listener.allowedRoutes().namespaces().from() == FromNamespaces.SELECTOR) {
        context.problem(
            gateway,
            "/spec/listeners/" + l + "/allowedRoutes/namespaces/from",
            "Selector needs namespace labels, which meshgate does not have outside Kubernetes; only routes of the Gateway's namespace attach (use All or Same)");
      }
      Map<String, List<Candidate>> hosts =
          ports.computeIfAbsent(listener.port(), p -> new TreeMap<>());
      listenerNames.computeIfAbsent(listener.port(), p -> new TreeSet<>()).add(listener.name());
      for (Resource route : routes) {
        if (!attaches(gateway, listener, route)) {
          continue;
        }
        List<String> routeHostnames =
            route.kind() == Kind.HTTP_ROUTE
                ? route.spec(HttpRouteSpec.class).hostnames()
                : route.spec(GrpcRouteSpec.class).hostnames();
        List<String> effective = Hostnames.effective(listener.hostname(), routeHostnames);
        if (effective.isEmpty()) {
          unfitting.computeIfAbsent(route, r -> new ArrayList<>()).add(listener);
          continue;
        }
        attachedSomewhere.add(route);
        List<Candidate> candidates =
            route.kind() == Kind.HTTP_ROUTE
                ? rules.http(route, gateway, listener.name())
                : rules.grpc(route, gateway, listener.name());
        for (String host : effective) {
          hosts.computeIfAbsent(host, h -> new ArrayList<>()).addAll(candidates);
          hostListeners
              .computeIfAbsent(listener.port(), p -> new TreeMap<>())
              .putIfAbsent(host, listener.name());
        }
      }
    }
    unfitting.forEach(
        (route, tried) -> {
          if (!attachedSomewhere.contains(route)) {
            context.problem(
                route,
                "/spec/hostnames",
                "no hostname fits any listener of Gateway "
                    + gateway.key().namespace()
                    + "/"
                    + gateway.key().name()
                    + " it attaches to ("
                    + tried.stream()
                        .map(l -> l.name() + ": " + l.hostname())
                        .collect(java.util.stream.Collectors.joining(", "))
                    + "); not attached (NoMatchingListenerHostname)");
          }
        });
    List<ListenerIr> listeners = new ArrayList<>();
    List<RouteTableIr> tables = new ArrayList<>();
    for (Map.Entry<Integer, Map<String, List<Candidate>>> port : ports.entrySet()) {
      String name = Names.httpListener(gateway.key(), port.getKey());
      List<VirtualHostIr> hosts = new ArrayList<>();
      List<SourceRef> sources = new ArrayList<>();
      sources.add(Context.source(gateway));
      for (Map.Entry<String, List<Candidate>> host : port.getValue().entrySet()) {
        List<RouteIr> ordered =
            host.getValue().stream()
                .distinct()
                .sorted(Candidate.PRECEDENCE)
                .map(Candidate::route)
                .toList();
        String from = hostListeners.get(port.getKey()).get(host.getKey());
        hosts.add(
            new VirtualHostIr(
                host.getKey(),
                List.of(host.getKey()),
                ordered,
                policies.gatewayRateLimit(gateway.key(), from)));
        ordered.stream()
            .map(RouteIr::source)
            .filter(s -> !sources.contains(s))
            .forEach(sources::add);
      }
      listeners.add(
          new HttpListenerIr(
              name,
              "0.0.0.0",
              port.getKey(),
              name,
              policies.gatewayRateLimit(gateway.key(), null),
              sources));
      tables.add(new RouteTableIr(name, hosts));
    }
    return new ProxyGroupIr(
        Names.gatewayGroup(gateway.key()), ProxyKind.ENVOY, listeners, tables, clusters.all());
  }

  /** Whether a route's parentRefs name this listener, and the listener lets it attach. */
  private boolean attaches(Resource gateway, GatewayListener listener, Resource route) {
    List<ParentRef> parents =
        route.kind() == Kind.HTTP_ROUTE
            ? route.spec(HttpRouteSpec.class).parentRefs()
            : route.spec(GrpcRouteSpec.class).parentRefs();
    boolean named = false;
    for (ParentRef parent : parents) {
      String namespace =
          parent.namespace() == null ? route.metadata().namespace() : parent.namespace();
      named |=
          Kind.Groups.GATEWAY_API.equals(parent.group())
              && "Gateway".equals(parent.kind())
              && parent.name().equals(gateway.metadata().name())
              && namespace.equals(gateway.metadata().namespace())
              && (parent.sectionName() == null || parent.sectionName().equals(listener.name()))
              && (parent.port() == null || parent.port().equals(listener.port()));
    }
    if (!named) {
      return false;
    }
    FromNamespaces from =
        listener.allowedRoutes() == null || listener.allowedRoutes().namespaces() == null
            ? FromNamespaces.SAME
            : listener.allowedRoutes().namespaces().from();
    boolean sameNamespace = route.metadata().namespace().equals(gateway.metadata().namespace());
    if (from != FromNamespaces.ALL && !sameNamespace) {
      context.problem(
          route,
          "/spec/parentRefs",
          "listener '"
              + listener.name()
              + "' of Gateway "
              + gateway.key().namespace()
              + "/"
              + gateway.key().name()
              + " does not allow routes from namespace "
              + route.metadata().namespace()
              + " (NotAllowedByListeners)");
      return false;
    }
    if (listener.allowedRoutes() != null && !listener.allowedRoutes().kinds().isEmpty()) {
      boolean kindAllowed = false;
      for (RouteGroupKind kind : listener.allowedRoutes().kinds()) {
        kindAllowed |=
            kind.kind().equals(route.kind().wireName())
                && kind.group().equals(route.kind().group());
      }
      if (!kindAllowed) {
        context.problem(
            route,
            "/spec/parentRefs",
            "listener '"
                + listener.name()
                + "' does not allow "
                + route.kind().wireName()
                + " (NotAllowedByListeners)");
        return false;
      }
    }
    return true;
  }
}
