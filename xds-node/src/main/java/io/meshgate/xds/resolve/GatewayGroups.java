package io.meshgate.xds.resolve;

import io.meshgate.config.model.BackendRef;
import io.meshgate.config.model.BackendRule;
import io.meshgate.config.model.FromNamespaces;
import io.meshgate.config.model.GatewayAddress;
import io.meshgate.config.model.GatewayListener;
import io.meshgate.config.model.GatewaySpec;
import io.meshgate.config.model.GrpcRouteSpec;
import io.meshgate.config.model.HttpRouteSpec;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ListenerProtocol;
import io.meshgate.config.model.ParentRef;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.RouteGroupKind;
import io.meshgate.config.model.TcpRouteSpec;
import io.meshgate.config.model.TlsMode;
import io.meshgate.config.model.TlsRouteSpec;
import io.meshgate.config.schema.Wire;
import io.meshgate.xds.ir.CertificateIr;
import io.meshgate.xds.ir.DnsClusterIr;
import io.meshgate.xds.ir.ExtAuthIr;
import io.meshgate.xds.ir.ExtAuthRouteIr;
import io.meshgate.xds.ir.FilterChainIr;
import io.meshgate.xds.ir.GlobalRateLimitIr;
import io.meshgate.xds.ir.HmacServiceIr;
import io.meshgate.xds.ir.IdentityIr;
import io.meshgate.xds.ir.JwtAuthnIr;
import io.meshgate.xds.ir.JwtProviderIr;
import io.meshgate.xds.ir.JwtRequirementIr;
import io.meshgate.xds.ir.ListenerIr;
import io.meshgate.xds.ir.MeshTlsIr;
import io.meshgate.xds.ir.OAuth2Ir;
import io.meshgate.xds.ir.PortListenerIr;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.ProxyKind;
import io.meshgate.xds.ir.RouteIr;
import io.meshgate.xds.ir.RouteTableIr;
import io.meshgate.xds.ir.SourceRef;
import io.meshgate.xds.ir.VirtualHostIr;
import io.meshgate.xds.ir.WafIr;
import io.meshgate.xds.ir.WafRouteIr;
import io.meshgate.xds.ir.WeightedClusterIr;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * One group per Gateway, one Envoy listener per port:
 *
 * <ul>
 *   <li>HTTP: one plaintext chain and one route table for the port, a virtual host per effective
 *       hostname;
 *   <li>HTTPS: a chain per Gateway listener, chosen by SNI, terminating TLS with the listener's
 *       certificates, with a route table of its own (a request's Host never reaches another
 *       listener's routes);
 *   <li>TLS: a chain per attached TLSRoute, chosen by SNI, passing TLS through (or terminating it)
 *       to the route's backends;
 *   <li>TCP: one chain to the backends of the oldest TCPRoute.
 * </ul>
 *
 * HTTPS and TLS listeners share a port when their server names differ. Conflicts stay local: a
 * server name two chains of a port claim goes to the first (listener order, then the older route);
 * a port of an address two Gateways claim goes to the older Gateway. The others get a Problem.
 */
final class GatewayGroups {
  private static final Comparator<SourceRef> SOURCE_ORDER =
      Comparator.comparing(SourceRef::kind)
          .thenComparing(SourceRef::namespace)
          .thenComparing(SourceRef::name);

  private final Context context;

  GatewayGroups(Context context) {
    this.context = context;
  }

  List<ProxyGroupIr> resolve() {
    Set<String> portsLeftOut = portConflicts();
    List<ProxyGroupIr> groups = new ArrayList<>();
    for (Resource gateway : context.config.ofKind(Kind.GATEWAY)) {
      ProxyGroupIr group =
          context.isolated(
              Names.gatewayGroup(gateway.key()),
              gateway,
              () -> new GatewayGroup(gateway, portsLeftOut).resolve());
      if (group != null) {
        groups.add(group);
      }
    }
    return groups;
  }

  /**
   * {@code NS/GATEWAY/PORT} of every listener port on an address an older Gateway already binds;
   * Gateways without addresses claim nothing (they run on Envoys of their own).
   */
  private Set<String> portConflicts() {
    List<Resource> gateways = new ArrayList<>(context.config.ofKind(Kind.GATEWAY));
    gateways.sort(Policies.AGE);
    Map<String, Resource> claims = new HashMap<>();
    Set<String> leftOut = new HashSet<>();
    for (Resource gateway : gateways) {
      GatewaySpec spec = gateway.spec(GatewaySpec.class);
      for (int l = 0; l < spec.listeners().size(); l++) {
        GatewayListener listener = spec.listeners().get(l);
        for (GatewayAddress address : spec.addresses()) {
          String claim = address.value() + ":" + listener.port();
          Resource holder = claims.putIfAbsent(claim, gateway);
          if (holder != null && holder != gateway) {
            leftOut.add(Names.httpListener(gateway.key(), listener.port()));
            context.problem(
                gateway,
                "/spec/listeners/" + l + "/port",
                ProblemReason.CONFLICTED,
                "the older Gateway "
                    + holder.key().namespace()
                    + "/"
                    + holder.key().name()
                    + " already binds "
                    + claim
                    + "; listener '"
                    + listener.name()
                    + "' is left out");
          }
        }
      }
    }
    return leftOut;
  }

  /** The resolution of one Gateway. */
  private final class GatewayGroup {
    private final Resource gateway;
    private final GatewaySpec spec;
    private final Set<String> portsLeftOut;
    private final IdentityIr identity;
    // The Gateway's identity in each bridged mesh that lists it, by MeshBridge.
    private final Map<ResourceKey, IdentityIr> bridgeIdentities = new TreeMap<>();
    private final Clusters clusters;
    private final RouteRules rules;
    private final Policies policies = context.policies();
    private final Map<String, CertificateIr> certificates = new TreeMap<>();
    private final Map<Integer, Port> ports = new TreeMap<>();
    private final List<RouteTableIr> tables = new ArrayList<>();
    private final Map<String, DnsClusterIr> dnsClusters = new TreeMap<>();
    // A route is fine if its hostnames fit at least one listener it names (Gateway API).
    private final Map<Resource, List<GatewayListener>> unfitting = new LinkedHashMap<>();
    // By reference: one resolution holds one instance per resource, and hashing a whole route
    // costs what resolving it does.
    private final Set<Resource> attachedSomewhere =
        Collections.newSetFromMap(new IdentityHashMap<>());

    GatewayGroup(Resource gateway, Set<String> portsLeftOut) {
      this.gateway = gateway;
      this.spec = gateway.spec(GatewaySpec.class);
      this.portsLeftOut = portsLeftOut;
      // The Gateway's mesh identity: spiffe://DOMAIN/ns/NAMESPACE/sa/GATEWAY.
      this.identity =
          new IdentityIr(
              context.mesh.spiffeId(gateway.metadata().namespace(), gateway.metadata().name()),
              context.mesh.trustBundle());
      for (Bridges.Bridge bridge : context.bridges().listing(gateway)) {
        bridgeIdentities.put(bridge.key(), bridge.identityOf(gateway));
      }
      this.clusters =
          new Clusters(
              context,
              ProxyKind.ENVOY,
              new MeshTlsIr(
                  MeshTlsIr.Delivery.SDS, identity.spiffeId(), identity.trustBundle(), List.of()),
              bridgeIdentities,
              "Gateway " + gateway.metadata().namespace() + "/" + gateway.metadata().name());
      this.rules = new RouteRules(context, clusters, ProxyKind.ENVOY);
    }

    /** One Envoy listener: its chains by server name ("" for none), and the plaintext hosts. */
    private final class Port {
      final int number;
      final Map<String, FilterChainIr> bySni = new LinkedHashMap<>();
      // Plaintext HTTP: hostname → candidates, and the listener that first brought each hostname.
      final Map<String, List<Candidate>> hosts = new TreeMap<>();
      final Map<String, String> hostListeners = new HashMap<>();
      boolean plainHttp;
      final Set<SourceRef> sources = new LinkedHashSet<>(List.of(Context.source(gateway)));

      Port(int number) {
        this.number = number;
      }

      /** Adds a chain unless a server name of it is taken; returns whether it was added. */
      boolean claim(FilterChainIr chain, Resource claimant, String at) {
        List<String> names = chain.serverNames().isEmpty() ? List.of("") : chain.serverNames();
        for (String name : names) {
          FilterChainIr holder = bySni.get(name);
          if (holder != null) {
            String where =
                "port "
                    + number
                    + " of Gateway "
                    + gateway.key().namespace()
                    + "/"
                    + gateway.key().name();
            context.problem(
                claimant,
                at,
                ProblemReason.CONFLICTED,
                (name.isEmpty()
                        ? where + " already sends connections without a server name to "
                        : "server name " + name + " on " + where + " already goes to ")
                    + holder.name()
                    + "; left out there");
            return false;
          }
        }
        names.forEach(n -> bySni.put(n, chain));
        return true;
      }

      void addSource(SourceRef source) {
        sources.add(source);
      }
    }

    ProxyGroupIr resolve() {
      List<Resource> httpRoutes = new ArrayList<>(context.config.ofKind(Kind.HTTP_ROUTE));
      httpRoutes.addAll(context.config.ofKind(Kind.GRPC_ROUTE));
      for (int l = 0; l < spec.listeners().size(); l++) {
        GatewayListener listener = spec.listeners().get(l);
        String at = "/spec/listeners/" + l;
        if (portsLeftOut.contains(Names.httpListener(gateway.key(), listener.port()))) {
          continue;
        }
        if (listener.allowedRoutes() != null
            && listener.allowedRoutes().namespaces() != null
            && listener.allowedRoutes().namespaces().from() == FromNamespaces.SELECTOR) {
          context.problem(
              gateway,
              at + "/allowedRoutes/namespaces/from",
              ProblemReason.INVALID,
              "Selector needs namespace labels, which meshgate does not have outside Kubernetes; only routes of the Gateway's namespace attach (use All or Same)");
        }
        Port port = ports.computeIfAbsent(listener.port(), Port::new);
        switch (listener.protocol()) {
          case HTTP -> plainHttp(port, listener, httpRoutes);
          case HTTPS -> https(port, listener, at, httpRoutes);
          case TLS -> tls(port, listener, at);
          case TCP -> tcp(port, listener, at);
        }
      }
      reportUnfitting();
      List<ListenerIr> listeners = new ArrayList<>();
      for (Port port : ports.values()) {
        String name = Names.httpListener(gateway.key(), port.number);
        List<FilterChainIr> chains = new ArrayList<>();
        if (port.plainHttp) {
          List<VirtualHostIr> hosts =
              ClaimRoutes.checked(
                  context,
                  name,
                  CredentialPolicies.withinBudget(
                      context,
                      name,
                      virtualHosts(name, port.hosts, port.hostListeners),
                      policies::credentialBytes),
                  policies::jwtRequirement);
          tables.add(kept(name, hosts));
          chains.add(
              new FilterChainIr(
                  name,
                  List.of(),
                  List.of(),
                  new FilterChainIr.Target.Http(
                      name,
                      policies.gatewayRateLimit(gateway.key(), null),
                      jwtAuthn(hosts),
                      extAuth(hosts),
                      oauth2(hosts),
                      ClientAddresses.trustedHopsOfHttpPort(gateway, port.number),
                      globalRateLimits(hosts),
                      waf(hosts),
                      hmacService(hosts),
                      TransformPolicies.caches(hosts),
                      TransformPolicies.extProc(hosts, context.mesh.edge().extProc()))));
          served(port, hosts);
        }
        port.bySni.values().stream().distinct().forEach(chains::add);
        if (chains.isEmpty()) {
          continue;
        }
        listeners.add(
            new PortListenerIr(name, "0.0.0.0", port.number, chains, List.copyOf(port.sources)));
      }
      tables.sort(Comparator.comparing(RouteTableIr::name));
      return new ProxyGroupIr(
          Names.gatewayGroup(gateway.key()),
          ProxyKind.ENVOY,
          listeners,
          tables,
          clusters.all(),
          List.copyOf(certificates.values()),
          identities(),
          List.copyOf(dnsClusters.values()),
          Context.source(gateway));
    }

    private RouteTableIr kept(String name, List<VirtualHostIr> hosts) {
      return context.kept(Names.gatewayGroup(gateway.key()), new RouteTableIr(name, hosts));
    }

    /** meshgate's mesh identity if a cluster needs it, then one per bridged mesh reached. */
    private List<IdentityIr> identities() {
      List<IdentityIr> held = new ArrayList<>();
      if (clusters.reachesMesh()) {
        held.add(identity);
      }
      for (ResourceKey bridge : clusters.bridgesReached()) {
        held.add(bridgeIdentities.get(bridge));
      }
      return held;
    }

    private void plainHttp(Port port, GatewayListener listener, List<Resource> routes) {
      port.plainHttp = true;
      collectHttp(port, listener, routes, port.hosts, port.hostListeners);
    }

    /** A chain of its own, by SNI, with the listener's certificates and route table. */
    private void https(Port port, GatewayListener listener, String at, List<Resource> routes) {
      List<String> certs = certificates(listener, at);
      if (certs.isEmpty()) {
        return;
      }
      Map<String, List<Candidate>> hosts = new TreeMap<>();
      Map<String, String> hostListeners = new HashMap<>();
      collectHttp(port, listener, routes, hosts, hostListeners);
      String name = Names.listenerRouteTable(gateway.key(), listener.port(), listener.name());
      // After the budget: a route it turns to 500 keeps its JWT requirement, and may re-pick.
      List<VirtualHostIr> virtualHosts =
          ClaimRoutes.checked(
              context,
              name,
              CredentialPolicies.withinBudget(
                  context,
                  name,
                  virtualHosts(name, hosts, hostListeners),
                  policies::credentialBytes),
              policies::jwtRequirement);
      FilterChainIr chain =
          new FilterChainIr(
              name,
              serverNames(listener.hostname()),
              certs,
              new FilterChainIr.Target.Http(
                  name,
                  policies.gatewayRateLimit(gateway.key(), null),
                  jwtAuthn(virtualHosts),
                  extAuth(virtualHosts),
                  oauth2(virtualHosts),
                  ClientAddresses.trustedHops(gateway, listener.name()),
                  globalRateLimits(virtualHosts),
                  waf(virtualHosts),
                  hmacService(virtualHosts),
                  TransformPolicies.caches(virtualHosts),
                  TransformPolicies.extProc(virtualHosts, context.mesh.edge().extProc())));
      if (port.claim(chain, gateway, at + "/hostname")) {
        tables.add(kept(name, virtualHosts));
        served(port, virtualHosts);
      }
    }

    /** A chain per attached TLSRoute, by the SNI names it serves. */
    private void tls(Port port, GatewayListener listener, String at) {
      boolean terminate = listener.tls() != null && listener.tls().mode() == TlsMode.TERMINATE;
      List<String> certs = terminate ? certificates(listener, at) : List.of();
      if (terminate && certs.isEmpty()) {
        return;
      }
      for (Resource route : byAge(Kind.TLS_ROUTE)) {
        TlsRouteSpec routeSpec = route.spec(TlsRouteSpec.class);
        if (!attaches(listener, route, routeSpec.parentRefs())) {
          continue;
        }
        List<String> effective = Hostnames.effective(listener.hostname(), routeSpec.hostnames());
        if (effective.isEmpty()) {
          unfitting.computeIfAbsent(route, r -> new ArrayList<>()).add(listener);
          continue;
        }
        attachedSomewhere.add(route);
        String name = chainName(listener, route);
        FilterChainIr chain =
            new FilterChainIr(
                name,
                effective.contains(Hostnames.ANY) ? List.of() : effective,
                certs,
                new FilterChainIr.Target.Tcp(name, backends(route, routeSpec.rules())));
        if (port.claim(chain, route, "/spec/hostnames")) {
          port.addSource(Context.source(route));
        }
      }
    }

    /** One chain: the oldest attached TCPRoute's backends; later ones are left out. */
    private void tcp(Port port, GatewayListener listener, String at) {
      for (Resource route : byAge(Kind.TCP_ROUTE)) {
        TcpRouteSpec routeSpec = route.spec(TcpRouteSpec.class);
        if (!attaches(listener, route, routeSpec.parentRefs())) {
          continue;
        }
        attachedSomewhere.add(route);
        String name = chainName(listener, route);
        FilterChainIr chain =
            new FilterChainIr(
                name,
                List.of(),
                List.of(),
                new FilterChainIr.Target.Tcp(name, backends(route, routeSpec.rules())));
        if (port.claim(chain, route, "/spec/parentRefs")) {
          port.addSource(Context.source(route));
        }
      }
    }

    private String chainName(GatewayListener listener, Resource route) {
      return Names.listenerRouteTable(gateway.key(), listener.port(), listener.name())
          + "/"
          + route.kind().lowerName()
          + "/"
          + route.key().namespace()
          + "/"
          + route.key().name();
    }

    /**
     * TLSRoute and TCPRoute backends: every rule's refs, by weight (Gateway API allows one rule
     * with backends in practice; several are merged).
     */
    private List<WeightedClusterIr> backends(Resource route, List<BackendRule> routeRules) {
      List<WeightedClusterIr> weighted = new ArrayList<>();
      for (int r = 0; r < routeRules.size(); r++) {
        List<BackendRef> refs = routeRules.get(r).backendRefs();
        for (int b = 0; b < refs.size(); b++) {
          BackendRef ref = refs.get(b);
          Optional<String> cluster =
              clusters.resolve(route, ref, "/spec/rules/" + r + "/backendRefs/" + b);
          if (cluster.isPresent() && ref.weight() > 0) {
            weighted.add(new WeightedClusterIr(cluster.get(), ref.weight()));
          }
        }
      }
      if (weighted.isEmpty()) {
        context.problem(
            route,
            "/spec/rules",
            ProblemReason.BACKEND_NOT_FOUND,
            "no backend resolves; connections are closed");
      }
      return weighted;
    }

    private List<Resource> byAge(Kind kind) {
      List<Resource> routes = new ArrayList<>(context.config.ofKind(kind));
      routes.sort(Policies.AGE);
      return routes;
    }

    private void collectHttp(
        Port port,
        GatewayListener listener,
        List<Resource> routes,
        Map<String, List<Candidate>> hosts,
        Map<String, String> hostListeners) {
      for (Resource route : routes) {
        List<ParentRef> parents =
            route.kind() == Kind.HTTP_ROUTE
                ? route.spec(HttpRouteSpec.class).parentRefs()
                : route.spec(GrpcRouteSpec.class).parentRefs();
        if (!attaches(listener, route, parents)) {
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
          hostListeners.putIfAbsent(host, listener.name());
        }
      }
    }

    /**
     * The JWT authentication a route table's routes ask for: the requirements they name, with their
     * providers; null when no route names one.
     */
    private JwtAuthnIr jwtAuthn(List<VirtualHostIr> hosts) {
      Map<String, JwtRequirementIr> requirements = new TreeMap<>();
      Map<String, JwtProviderIr> providers = new TreeMap<>();
      for (VirtualHostIr host : hosts) {
        for (RouteIr route : host.routes()) {
          if (route.policy() == null || route.policy().jwt() == null) {
            continue;
          }
          JwtPolicies.Jwt.Required required = policies.jwtRequirement(route.policy().jwt().name());
          requirements.put(required.requirement().name(), required.requirement());
          required.providers().forEach(p -> providers.put(p.name(), p));
        }
      }
      return requirements.isEmpty()
          ? null
          : new JwtAuthnIr(List.copyOf(providers.values()), List.copyOf(requirements.values()));
    }

    /** The OIDC logins a route table's routes enable, sorted by filter name. */
    private List<OAuth2Ir> oauth2(List<VirtualHostIr> hosts) {
      Map<String, OAuth2Ir> logins = new TreeMap<>();
      for (VirtualHostIr host : hosts) {
        for (RouteIr route : host.routes()) {
          if (route.policy() != null && route.policy().oauth2() != null) {
            logins.put(
                route.policy().oauth2(), policies.oidcLogin(route.policy().oauth2()).login());
          }
        }
      }
      return List.copyOf(logins.values());
    }

    /** The WAFs a route table's routes are inspected by, sorted by filter name. */
    private List<WafIr> waf(List<VirtualHostIr> hosts) {
      Map<String, WafIr> filters = new TreeMap<>();
      for (VirtualHostIr host : hosts) {
        for (RouteIr route : host.routes()) {
          if (route.policy() != null
              && route.policy().waf() instanceof WafRouteIr.Inspect inspect) {
            filters.put(inspect.name(), policies.wafFilter(inspect.name()).waf());
          }
        }
      }
      return List.copyOf(filters.values());
    }

    /**
     * The SecurityPolicy a route takes its {@code waf} from becomes a source of the port; the
     * cluster Envoy fetches the WAF module through joins the group's, with that policy as a source.
     */
    private void servedWaf(Port port, RouteIr route) {
      if (route.policy() == null || route.policy().waf() == null) {
        return;
      }
      WafRouteIr waf = route.policy().waf();
      port.addSource(waf.policy());
      if (waf instanceof WafRouteIr.Inspect inspect) {
        DnsClusterIr module = policies.wafFilter(inspect.name()).cluster();
        addDnsCluster(
            new DnsClusterIr(
                module.name(), module.host(), module.port(), module.tls(), List.of(waf.policy())));
      }
    }

    /** Adds a DNS cluster to the group's, joining the sources of one of the same name. */
    private void addDnsCluster(DnsClusterIr cluster) {
      dnsClusters.merge(
          cluster.name(),
          cluster,
          (held, more) -> {
            Set<SourceRef> sources = new TreeSet<>(SOURCE_ORDER);
            sources.addAll(held.sources());
            sources.addAll(more.sources());
            return new DnsClusterIr(
                held.name(), held.host(), held.port(), held.tls(), List.copyOf(sources));
          });
    }

    /**
     * The rate limit filters a route table's global limits need, in stage order; the first route
     * table that needs one brings meshgate's rate limit service in as a cluster of the group.
     */
    private List<GlobalRateLimitIr.Stage> globalRateLimits(List<VirtualHostIr> hosts) {
      Set<GlobalRateLimitIr.Stage> stages = EnumSet.noneOf(GlobalRateLimitIr.Stage.class);
      for (VirtualHostIr host : hosts) {
        for (RouteIr route : host.routes()) {
          if (route.policy() != null && route.policy().globalRateLimit() != null) {
            stages.add(route.policy().globalRateLimit().stage());
          }
        }
      }
      if (!stages.isEmpty()) {
        clusters.edgeService(
            Names.RATE_LIMIT_CLUSTER, context.mesh.edge().rateLimit(), gateway, "rate limit");
      }
      return List.copyOf(stages);
    }

    /**
     * The external authorization services a route table's routes are checked by, sorted by name;
     * empty when no route is.
     */
    private List<ExtAuthIr> extAuth(List<VirtualHostIr> hosts) {
      Map<String, ExtAuthIr> services = new TreeMap<>();
      for (VirtualHostIr host : hosts) {
        for (RouteIr route : host.routes()) {
          if (route.policy() != null
              && route.policy().extAuth() instanceof ExtAuthRouteIr.Check check) {
            services.put(check.name(), policies.extAuthService(check.name()).service());
          }
        }
      }
      return List.copyOf(services.values());
    }

    /** meshgate's signature service, when a route of the table demands HMAC signatures. */
    private HmacServiceIr hmacService(List<VirtualHostIr> hosts) {
      for (VirtualHostIr host : hosts) {
        for (RouteIr route : host.routes()) {
          if (route.policy() != null && route.policy().hmac() != null) {
            return SignaturePolicies.service(context);
          }
        }
      }
      return null;
    }

    /**
     * The SecurityPolicy a route takes its {@code extAuth} from becomes a source of the port; the
     * service's Backend becomes a cluster of the group even when no route sends traffic to it.
     */
    private void servedExtAuth(Port port, RouteIr route) {
      if (route.policy() != null && route.policy().hmac() != null) {
        port.addSource(route.policy().hmac().policy());
      }
      if (route.policy() == null || route.policy().extAuth() == null) {
        return;
      }
      port.addSource(route.policy().extAuth().policy());
      if (route.policy().extAuth() instanceof ExtAuthRouteIr.Check check) {
        ExtAuthPolicies.Ext.Checked service = policies.extAuthService(check.name());
        clusters.cluster(
            service.backend(), service.port(), service.policy(), "/spec/extAuth/backendRef");
      }
    }

    /**
     * A route table its port serves: the routes and the SecurityPolicies they name become the
     * port's sources, and the clusters of those policies' key sets join the group's.
     */
    private void served(Port port, List<VirtualHostIr> hosts) {
      for (VirtualHostIr host : hosts) {
        host.routes().stream().map(RouteIr::source).forEach(port::addSource);
      }
      TransformPolicies.sources(hosts).forEach(port::addSource);
      for (VirtualHostIr host : hosts) {
        for (RouteIr route : host.routes()) {
          if (route.policy() != null && route.policy().cors() != null) {
            port.addSource(route.policy().cors().policy());
          }
          if (route.policy() != null && route.policy().ipAccess() != null) {
            port.addSource(route.policy().ipAccess().policy());
          }
          if (route.policy() != null && route.policy().cors() != null) {
            port.addSource(route.policy().cors().policy());
          }
          if (route.policy() != null && route.policy().ipAccess() != null) {
            port.addSource(route.policy().ipAccess().policy());
          }
          if (route.policy() != null && route.policy().apiKeyAuth() != null) {
            port.addSource(route.policy().apiKeyAuth().policy());
          }
          if (route.policy() != null && route.policy().basicAuth() != null) {
            port.addSource(route.policy().basicAuth().policy());
          }
          servedExtAuth(port, route);
          servedWaf(port, route);
          if (route.policy() != null && route.policy().oauth2() != null) {
            OidcPolicies.Oidc.Required login = policies.oidcLogin(route.policy().oauth2());
            port.addSource(login.login().policy());
            addDnsCluster(login.cluster());
          }
          if (route.policy() != null && route.policy().authorization() != null) {
            port.addSource(route.policy().authorization().policy());
          }
          if (route.policy() == null || route.policy().jwt() == null) {
            continue;
          }
          JwtPolicies.Jwt.Required required = policies.jwtRequirement(route.policy().jwt().name());
          port.addSource(required.policy());
          required.clusters().forEach(this::addDnsCluster);
        }
      }
    }

    /**
     * The virtual hosts of route table {@code table}, each host's routes in precedence order. A
     * host's order is the last build's list while its candidates are (resolve hands a reused
     * route's candidates over as the same instances, so that compares references): one route's
     * change sorts its own host again, not every host of the Gateway.
     */
    private List<VirtualHostIr> virtualHosts(
        String table, Map<String, List<Candidate>> hosts, Map<String, String> hostListeners) {
      List<VirtualHostIr> result = new ArrayList<>();
      for (Map.Entry<String, List<Candidate>> host : hosts.entrySet()) {
        List<RouteIr> ordered =
            context.cache.get(
                new HostOrder(table, host.getKey()),
                List.copyOf(host.getValue()),
                GatewayGroup::inPrecedence);
        result.add(
            new VirtualHostIr(
                host.getKey(),
                List.of(host.getKey()),
                ordered,
                policies.gatewayRateLimit(gateway.key(), hostListeners.get(host.getKey()))));
      }
      return result;
    }

    /** A host's routes in a route table, in precedence order, in the resolve cache. */
    private record HostOrder(String table, String host) {}

    private static List<RouteIr> inPrecedence(List<Candidate> candidates) {
      // A route on two listeners that bring the same host is there twice; the first listener's
      // (spec order) stays. Route names are unique per route, rule and match.
      Set<String> seen = new HashSet<>();
      return candidates.stream()
          .filter(c -> seen.add(c.route().name()))
          .sorted(Candidate.PRECEDENCE)
          .map(Candidate::route)
          .toList();
    }

    private void reportUnfitting() {
      unfitting.forEach(
          (route, tried) -> {
            if (!attachedSomewhere.contains(route)) {
              context.problem(
                  route,
                  "/spec/hostnames",
                  ProblemReason.NO_MATCHING_LISTENER_HOSTNAME,
                  "no hostname fits any listener of Gateway "
                      + gateway.key().namespace()
                      + "/"
                      + gateway.key().name()
                      + " it attaches to ("
                      + tried.stream()
                          .map(l -> l.name() + ": " + l.hostname())
                          .collect(Collectors.joining(", "))
                      + "); not attached");
            }
          });
    }

    /** A listener's hostname as SNI names: none for a listener without one (any name). */
    private static List<String> serverNames(String hostname) {
      return hostname == null ? List.of() : List.of(hostname);
    }

    /**
     * The SDS names of a listener's certificates that resolve and whose keys open; each that does
     * not gets a Problem, and a listener left with none is left out.
     */
    private List<String> certificates(GatewayListener listener, String at) {
      List<String> names = new ArrayList<>();
      var refs = listener.tls().certificateRefs();
      for (int c = 0; c < refs.size(); c++) {
        Certificates.resolve(context, gateway, refs.get(c), at + "/tls/certificateRefs/" + c)
            .ifPresent(
                cert -> {
                  certificates.putIfAbsent(cert.name(), cert);
                  names.add(cert.name());
                });
      }
      if (names.isEmpty()) {
        context.problem(
            gateway,
            at + "/tls/certificateRefs",
            ProblemReason.INVALID_CERTIFICATE_REF,
            "no certificate of listener '"
                + listener.name()
                + "' can be used; the listener is left out");
      }
      return names;
    }

    /**
     * Whether a route's parentRefs name this listener, its kind fits the listener's protocol, and
     * the listener lets it attach.
     */
    private boolean attaches(GatewayListener listener, Resource route, List<ParentRef> parents) {
      boolean named = false;
      boolean bySection = false;
      for (ParentRef parent : parents) {
        String namespace =
            parent.namespace() == null ? route.metadata().namespace() : parent.namespace();
        boolean here =
            Kind.Groups.GATEWAY_API.equals(parent.group())
                && "Gateway".equals(parent.kind())
                && parent.name().equals(gateway.metadata().name())
                && namespace.equals(gateway.metadata().namespace())
                && (parent.sectionName() == null || parent.sectionName().equals(listener.name()))
                && (parent.port() == null || parent.port().equals(listener.port()));
        named |= here;
        bySection |= here && parent.sectionName() != null;
      }
      if (!named) {
        return false;
      }
      if (!fits(listener.protocol(), route.kind())) {
        if (bySection) {
          context.problem(
              route,
              "/spec/parentRefs",
              ProblemReason.NOT_ALLOWED_BY_LISTENERS,
              "listener '"
                  + listener.name()
                  + "' is "
                  + Wire.name(listener.protocol())
                  + " and takes no "
                  + route.kind().wireName());
        }
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
            ProblemReason.NOT_ALLOWED_BY_LISTENERS,
            "listener '"
                + listener.name()
                + "' of Gateway "
                + gateway.key().namespace()
                + "/"
                + gateway.key().name()
                + " does not allow routes from namespace "
                + route.metadata().namespace());
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
              ProblemReason.NOT_ALLOWED_BY_LISTENERS,
              "listener '" + listener.name() + "' does not allow " + route.kind().wireName());
          return false;
        }
      }
      return true;
    }
  }

  /** Gateway API's route kinds per listener protocol. */
  static boolean fits(ListenerProtocol protocol, Kind route) {
    return switch (protocol) {
      case HTTP, HTTPS -> route == Kind.HTTP_ROUTE || route == Kind.GRPC_ROUTE;
      case TLS -> route == Kind.TLS_ROUTE;
      case TCP -> route == Kind.TCP_ROUTE;
    };
  }
}
