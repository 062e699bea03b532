package io.meshgate.xds.envoy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import com.google.protobuf.UnsafeByteOperations;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.xds.ir.CertificateIr;
import io.meshgate.xds.ir.ClusterIr;
import io.meshgate.xds.ir.DnsClusterIr;
import io.meshgate.xds.ir.ExtProcIr;
import io.meshgate.xds.ir.FilterChainIr;
import io.meshgate.xds.ir.HmacServiceIr;
import io.meshgate.xds.ir.IdentityIr;
import io.meshgate.xds.ir.ListenerIr;
import io.meshgate.xds.ir.OAuth2Ir;
import io.meshgate.xds.ir.OAuth2SecretIr;
import io.meshgate.xds.ir.PortListenerIr;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.ProxyKind;
import io.meshgate.xds.ir.RouteTableIr;
import io.meshgate.xds.ir.VirtualHostIr;
import io.meshgate.xds.keys.KeyMaterial;
import io.meshgate.xds.keys.KeyRing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * One group's IR to its Envoy resources: the one entry of the envoy stage, for production and for
 * every test. Pure: the key material comes in the ring, and equal inputs give equal resources.
 */
public final class EnvoyTranslator {
  private EnvoyTranslator() {}

  /**
   * @param keys the material of the group's certificates; a certificate whose material is not
   *     opened is left out (resolve has reported it)
   * @param cache the previous build's resources, reused for equal IR
   */
  public static GroupResources translate(ProxyGroupIr group, KeyRing keys, TranslationCache cache) {
    return translate(group, keys, Identities.empty(), cache);
  }

  /**
   * @param identities the mesh identities issued for this build: the group's own (its IR names
   *     them) and their bundles become Secrets; without them the Secrets are left out, and Envoy
   *     waits for them before using the listeners and clusters that refer to them
   */
  public static GroupResources translate(
      ProxyGroupIr group, KeyRing keys, Identities identities, TranslationCache cache) {
    ProxyKind kind = group.kind();
    List<EnvoyResource> listeners = new ArrayList<>();
    for (ListenerIr listener : group.listeners()) {
      listeners.add(
          cache.get(
              Listener.class,
              kind,
              listener,
              () -> packed(Listeners.of(listener, kind), Listener::getName)));
    }
    List<EnvoyResource> routes = new ArrayList<>();
    for (RouteTableIr table : group.routeTables()) {
      routes.add(
          cache.byReference(
              RouteConfiguration.class,
              kind,
              table,
              () -> routeConfiguration(table, kind, keys, cache)));
    }
    List<EnvoyResource> clusters = new ArrayList<>();
    List<EnvoyResource> endpoints = new ArrayList<>();
    for (ClusterIr cluster : group.clusters()) {
      // A Cluster is made from all but the endpoints: an endpoint change leaves it as it was.
      clusters.add(
          cache.getPart(
              Cluster.class,
              null,
              cluster,
              cluster::withoutEndpoints,
              withoutEndpoints -> packed(Clusters.eds(withoutEndpoints), Cluster::getName)));
      endpoints.add(
          cache.get(
              ClusterLoadAssignment.class,
              null,
              cluster,
              () -> packed(Endpoints.assignment(cluster), ClusterLoadAssignment::getClusterName)));
    }
    for (DnsClusterIr cluster : group.dnsClusters()) {
      clusters.add(
          cache.get(
              Cluster.class, null, cluster, () -> packed(Clusters.dns(cluster), Cluster::getName)));
    }
    hmacService(group)
        .ifPresent(
            service ->
                clusters.add(
                    cache.get(
                        Cluster.class,
                        null,
                        service,
                        () -> packed(HmacSignatures.cluster(service), Cluster::getName))));
    for (ExtProcIr service : extProcServices(group)) {
      clusters.add(
          cache.get(
              Cluster.class,
              null,
              service,
              () -> packed(Transforms.extProcCluster(service), Cluster::getName)));
    }
    List<EnvoyResource> secrets = new ArrayList<>();
    for (CertificateIr certificate : group.certificates()) {
      // Keyed by the certificate and its material: a rotated file or key is a new Secret only.
      if (keys.get(Secrets.keyRef(certificate)) instanceof KeyMaterial.Opened material) {
        secrets.add(
            cache.get(
                Secret.class,
                null,
                new SecretInput(certificate, material),
                () -> packed(Secrets.of(certificate, material), Secret::getName)));
      }
    }
    Map<String, OAuth2SecretIr> loginSecrets = new TreeMap<>();
    for (ListenerIr listener : group.listeners()) {
      if (!(listener instanceof PortListenerIr port)) {
        continue;
      }
      for (FilterChainIr chain : port.chains()) {
        if (chain.target() instanceof FilterChainIr.Target.Http http) {
          for (OAuth2Ir login : http.oauth2()) {
            loginSecrets.put(login.clientSecret().name(), login.clientSecret());
            loginSecrets.put(login.hmacSecret().name(), login.hmacSecret());
          }
        }
      }
    }
    for (OAuth2SecretIr secret : loginSecrets.values()) {
      // Keyed by the IR (which fingerprints the value): a changed value is a new Secret only.
      OidcLogin.secret(secret, keys)
          .ifPresent(
              built ->
                  secrets.add(
                      cache.get(Secret.class, null, secret, () -> packed(built, Secret::getName))));
    }
    for (IdentityIr own : group.identities()) {
      // Only the group's own identities: the group is the stream's credential, so a proxy can
      // never be handed another workload's key.
      SpiffeId.parse(own.spiffeId())
          .flatMap(identities::get)
          .ifPresent(
              identity ->
                  secrets.add(
                      cache.get(
                          Secret.class,
                          null,
                          identity,
                          () -> packed(Secrets.identity(identity), Secret::getName))));
      identities
          .bundle(own.trustBundle())
          .ifPresent(
              bundle ->
                  secrets.add(
                      cache.get(
                          Secret.class,
                          null,
                          bundle,
                          () -> packed(Secrets.bundle(bundle), Secret::getName))));
    }
    return new GroupResources(group.name(), listeners, routes, clusters, endpoints, secrets);
  }

  /** meshgate's signature service, when a chain of the group checks HMAC signatures. */
  private static Optional<HmacServiceIr> hmacService(ProxyGroupIr group) {
    for (ListenerIr listener : group.listeners()) {
      if (listener instanceof PortListenerIr port) {
        for (FilterChainIr chain : port.chains()) {
          if (chain.target() instanceof FilterChainIr.Target.Http http && http.hmac() != null) {
            return Optional.of(http.hmac());
          }
        }
      }
    }
    return Optional.empty();
  }

  /** meshgate's body service, once, when a chain of the group uses it. */
  private static List<ExtProcIr> extProcServices(ProxyGroupIr group) {
    Map<String, ExtProcIr> services = new TreeMap<>();
    for (ListenerIr listener : group.listeners()) {
      if (listener instanceof PortListenerIr port) {
        for (FilterChainIr chain : port.chains()) {
          if (chain.target() instanceof FilterChainIr.Target.Http http && http.extProc() != null) {
            services.put(http.extProc().cluster(), http.extProc());
          }
        }
      }
    }
    return List.copyOf(services.values());
  }

  /**
   * A route configuration put together from its virtual hosts' bytes, each translated and
   * serialised once and cached: one changed route re-translates its virtual host only. The bytes
   * are those of {@link Routes#of}'s message serialised deterministically (its name, field 1, then
   * each virtual host, field 2, in order; {@code RouteAssemblyTest} holds the two equal).
   */
  private static EnvoyResource routeConfiguration(
      RouteTableIr table, ProxyKind kind, KeyRing keys, TranslationCache cache) {
    List<ByteString> hosts = new ArrayList<>(table.virtualHosts().size());
    int size = CodedOutputStream.computeStringSize(1, table.name());
    for (VirtualHostIr host : table.virtualHosts()) {
      ByteString bytes =
          cache.part(
              VirtualHost.class,
              kind,
              table.name(),
              host,
              () -> Versions.byteString(Routes.virtualHost(host, table.name(), kind, keys)));
      hosts.add(bytes);
      size += CodedOutputStream.computeBytesSize(2, bytes);
    }
    byte[] out = new byte[size];
    CodedOutputStream coded = CodedOutputStream.newInstance(out);
    try {
      coded.writeString(1, table.name());
      for (ByteString host : hosts) {
        coded.writeBytes(2, host);
      }
      coded.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return EnvoyResource.ofBytes(
        table.name(), RouteConfiguration.getDescriptor(), UnsafeByteOperations.unsafeWrap(out));
  }

  private static <M extends Message> EnvoyResource packed(M resource, Function<M, String> name) {
    return EnvoyResource.of(name.apply(resource), resource);
  }

  /** What a Secret is made from. */
  private record SecretInput(CertificateIr certificate, KeyMaterial.Opened material) {}
}
