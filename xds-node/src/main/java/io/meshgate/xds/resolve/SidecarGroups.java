package io.meshgate.xds.resolve;

import io.meshgate.config.model.BackendProtocol;
import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.SidecarInbound;
import io.meshgate.config.model.SidecarSpec;
import io.meshgate.config.model.SidecarUpstream;
import io.meshgate.xds.ir.FilterChainIr;
import io.meshgate.xds.ir.HeaderOpsIr;
import io.meshgate.xds.ir.ListenerIr;
import io.meshgate.xds.ir.PathMatchIr;
import io.meshgate.xds.ir.PortListenerIr;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.ProxyKind;
import io.meshgate.xds.ir.RouteActionIr;
import io.meshgate.xds.ir.RouteIr;
import io.meshgate.xds.ir.RouteMatchIr;
import io.meshgate.xds.ir.RouteTableIr;
import io.meshgate.xds.ir.VirtualHostIr;
import io.meshgate.xds.ir.WeightedClusterIr;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One group per Sidecar, as Consul Connect lays out a sidecar proxy: an inbound listener on the
 * sidecar's port forwarding to the local application, and for each declared upstream a listener on
 * its local bind address and port forwarding to the upstream Backend's cluster. HTTP, HTTP/2 and
 * gRPC go through a connection manager (access logs, retries and policies apply); TCP through a TCP
 * proxy.
 *
 * <p>The listeners are plaintext for now: the inbound chain's mTLS (a SPIFFE identity and the
 * mesh's trust bundle as SDS Secrets) and the upstream clusters' client certificates are filled in
 * when mesh-bridge issues identities.
 */
final class SidecarGroups {
  private final Context context;

  SidecarGroups(Context context) {
    this.context = context;
  }

  List<ProxyGroupIr> resolve() {
    List<ProxyGroupIr> groups = new ArrayList<>();
    for (Resource sidecar : context.config.ofKind(Kind.SIDECAR)) {
      ProxyGroupIr group =
          context.isolated(Names.sidecarGroup(sidecar.key()), sidecar, () -> group(sidecar));
      if (group != null) {
        groups.add(group);
      }
    }
    return groups;
  }

  private ProxyGroupIr group(Resource sidecar) {
    SidecarSpec spec = sidecar.spec(SidecarSpec.class);
    ResourceKey key = sidecar.key();
    Clusters clusters = new Clusters(context, ProxyKind.ENVOY);
    List<ListenerIr> listeners = new ArrayList<>();
    List<RouteTableIr> tables = new ArrayList<>();

    Optional<Resource> service =
        context.get(new ResourceKey(Kind.BACKEND, key.namespace(), spec.service()));
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
    listeners.add(
        listener(
            inboundName, "0.0.0.0", inbound.port(), inbound.protocol(), local, sidecar, tables));

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
      String cluster = clusters.cluster(backend.get(), null, sidecar, at);
      BackendProtocol protocol = backend.get().spec(BackendSpec.class).protocol();
      listeners.add(
          listener(
              Names.sidecarOutbound(key, backendKey),
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
        Context.source(sidecar));
  }

  /** A plaintext listener forwarding everything to one cluster, over HTTP or TCP. */
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
      tables.add(
          new RouteTableIr(name, List.of(new VirtualHostIr(name, List.of("*"), List.of(route)))));
      target = new FilterChainIr.Target.Http(name, null);
    }
    return new PortListenerIr(
        name,
        address,
        port,
        List.of(new FilterChainIr(name, List.of(), List.of(), target)),
        List.of(Context.source(sidecar)));
  }
}
