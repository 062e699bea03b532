package io.meshgate.xds.envoy;

import static java.util.Objects.requireNonNull;

import io.meshgate.xds.ir.CertificateIr;
import io.meshgate.xds.ir.ClusterIr;
import io.meshgate.xds.ir.DnsClusterIr;
import io.meshgate.xds.ir.FilterChainIr;
import io.meshgate.xds.ir.IdentityIr;
import io.meshgate.xds.ir.ListenerIr;
import io.meshgate.xds.ir.OAuth2Ir;
import io.meshgate.xds.ir.OAuth2SecretIr;
import io.meshgate.xds.ir.PortListenerIr;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.RouteIr;
import io.meshgate.xds.ir.RouteTableIr;
import io.meshgate.xds.ir.SourceRef;
import io.meshgate.xds.ir.VirtualHostIr;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which config resources each Envoy resource of a group came from: a pure function of the group's
 * IR, naming resources as {@link EnvoyTranslator} names them (a listener, route configuration,
 * cluster or Secret takes its IR element's name; a cluster's endpoints take the cluster's). Each
 * source reads {@code HTTPRoute default/web (generation 3)}; the group's owner (its Gateway or
 * Sidecar) comes first, as every resource of the group exists because of it.
 *
 * <p>What the IR does not record is not named: policies (SecurityPolicy, TrafficPolicy) that shaped
 * a route are not listed, and a Secret names the Kubernetes Secret or file it holds, without a
 * generation.
 */
public record Provenance(
    List<String> owner,
    Map<String, List<String>> listeners,
    Map<String, List<String>> routes,
    Map<String, List<String>> clusters,
    Map<String, List<String>> secrets) {
  public Provenance {
    owner = List.copyOf(owner);
    listeners = Map.copyOf(listeners);
    routes = Map.copyOf(routes);
    clusters = Map.copyOf(clusters);
    secrets = Map.copyOf(secrets);
  }

  /** The kinds of Envoy resources a group is served. */
  public enum Part {
    LISTENERS,
    ROUTES,
    CLUSTERS,
    ENDPOINTS,
    SECRETS
  }

  /** Where the resource {@code name} of {@code part} came from; at least the owner, if any. */
  public List<String> of(Part part, String name) {
    Map<String, List<String>> byName =
        switch (part) {
          case LISTENERS -> listeners;
          case ROUTES -> routes;
          // A ClusterLoadAssignment is named after its cluster, and made from the same IR.
          case CLUSTERS, ENDPOINTS -> clusters;
          case SECRETS -> secrets;
        };
    return byName.getOrDefault(name, owner);
  }

  /** {@code HTTPRoute default/web (generation 3)}. */
  public static String label(SourceRef source) {
    return source.kind()
        + " "
        + source.namespace()
        + "/"
        + source.name()
        + " (generation "
        + source.generation()
        + ")";
  }

  public static Provenance of(ProxyGroupIr group) {
    requireNonNull(group, "group");
    List<String> owner = group.ownedBy().map(Provenance::label).map(List::of).orElse(List.of());
    Map<String, List<String>> listeners = new TreeMap<>();
    Map<String, List<String>> secrets = new TreeMap<>();
    List<String> services = new ArrayList<>();
    for (ListenerIr listener : group.listeners()) {
      listeners.put(listener.name(), labels(owner, listener.sources()));
      if (listener instanceof PortListenerIr port) {
        for (FilterChainIr chain : port.chains()) {
          if (chain.target() instanceof FilterChainIr.Target.Http http) {
            // meshgate's own services are there because of the group: its owner stands for them.
            if (http.hmac() != null) {
              services.add(http.hmac().cluster());
            }
            if (http.extProc() != null) {
              services.add(http.extProc().cluster());
            }
            for (OAuth2Ir login : http.oauth2()) {
              secrets.put(login.clientSecret().name(), secret(owner, login.clientSecret()));
              secrets.put(login.hmacSecret().name(), secret(owner, login.hmacSecret()));
            }
          }
        }
      }
    }
    Map<String, List<String>> routes = new TreeMap<>();
    for (RouteTableIr table : group.routeTables()) {
      List<SourceRef> sources = new ArrayList<>();
      for (VirtualHostIr host : table.virtualHosts()) {
        for (RouteIr route : host.routes()) {
          sources.add(route.source());
        }
      }
      routes.put(table.name(), labels(owner, sources));
    }
    Map<String, List<String>> clusters = new TreeMap<>();
    for (ClusterIr cluster : group.clusters()) {
      clusters.put(cluster.name(), labels(owner, cluster.sources()));
    }
    for (DnsClusterIr cluster : group.dnsClusters()) {
      clusters.put(cluster.name(), labels(owner, cluster.sources()));
    }
    services.forEach(name -> clusters.putIfAbsent(name, owner));
    for (CertificateIr certificate : group.certificates()) {
      secrets.put(certificate.name(), withOwner(owner, certificate(certificate)));
    }
    for (IdentityIr identity : group.identities()) {
      secrets.put(identity.spiffeId(), owner);
      secrets.put(identity.trustBundle(), owner);
    }
    return new Provenance(owner, listeners, routes, clusters, secrets);
  }

  private static List<String> labels(List<String> owner, Collection<SourceRef> sources) {
    TreeSet<String> sorted = new TreeSet<>();
    sources.forEach(s -> sorted.add(label(s)));
    return withOwner(owner, sorted);
  }

  private static List<String> withOwner(List<String> owner, Collection<String> others) {
    List<String> all = new ArrayList<>(owner);
    others.stream().filter(s -> !owner.contains(s)).forEach(all::add);
    return List.copyOf(all);
  }

  private static List<String> certificate(CertificateIr certificate) {
    if (certificate instanceof CertificateIr.FromSecret secret) {
      return List.of("Secret " + secret.namespace() + "/" + secret.secretName());
    }
    CertificateIr.FromFile file = (CertificateIr.FromFile) certificate;
    return List.of("file " + file.path());
  }

  private static List<String> secret(List<String> owner, OAuth2SecretIr secret) {
    OAuth2SecretIr.FromSecret from =
        secret instanceof OAuth2SecretIr.Derived derived
            ? derived.from()
            : (OAuth2SecretIr.FromSecret) secret;
    return withOwner(owner, List.of("Secret " + from.namespace() + "/" + from.secretName()));
  }
}
