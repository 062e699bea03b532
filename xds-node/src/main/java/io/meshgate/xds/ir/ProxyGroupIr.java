package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Everything one group of proxies receives: a Gateway's Envoys ({@code gateway/NS/NAME}) or
 * proxyless gRPC clients ({@code proxyless}).
 *
 * @param identities the mesh identities its Envoys present, each served with its trust bundle as
 *     SDS Secrets: meshgate's mesh identity, and one per mesh bridge whose Backends the group
 *     reaches; empty: none (no in-mesh traffic, or proxyless, whose identity is in files)
 * @param dnsClusters clusters Envoy resolves by DNS itself (JWT key sets), sorted by name
 * @param owner the Gateway or Sidecar the group is made for; null for the proxyless group, which no
 *     one resource owns. Not in the IR's YAML: it is where the group came from, not what it is.
 */
public record ProxyGroupIr(
    String name,
    ProxyKind kind,
    List<ListenerIr> listeners,
    List<RouteTableIr> routeTables,
    List<ClusterIr> clusters,
    List<CertificateIr> certificates,
    List<IdentityIr> identities,
    List<DnsClusterIr> dnsClusters,
    @JsonIgnore @Nullable SourceRef owner) {
  /** A group without a mesh identity. */
  public ProxyGroupIr(
      String name,
      ProxyKind kind,
      List<ListenerIr> listeners,
      List<RouteTableIr> routeTables,
      List<ClusterIr> clusters,
      List<CertificateIr> certificates,
      @Nullable SourceRef owner) {
    this(name, kind, listeners, routeTables, clusters, certificates, List.of(), owner);
  }

  /** A group without clusters resolved by DNS. */
  public ProxyGroupIr(
      String name,
      ProxyKind kind,
      List<ListenerIr> listeners,
      List<RouteTableIr> routeTables,
      List<ClusterIr> clusters,
      List<CertificateIr> certificates,
      List<IdentityIr> identities,
      @Nullable SourceRef owner) {
    this(name, kind, listeners, routeTables, clusters, certificates, identities, List.of(), owner);
  }

  public ProxyGroupIr {
    requireNonNull(name, "name");
    requireNonNull(kind, "kind");
    listeners = Lists.copy(listeners);
    routeTables = Lists.copy(routeTables);
    clusters = Lists.copy(clusters);
    certificates = Lists.copy(certificates);
    identities = Lists.copy(identities);
    dnsClusters = Lists.copy(dnsClusters);
  }

  /** The owner, if the group has one. */
  public Optional<SourceRef> ownedBy() {
    return Optional.ofNullable(owner);
  }
}
