package io.meshgate.xds.resolve;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.ConsulCa;
import io.meshgate.config.model.IstioCa;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.MeshBridgeSpec;
import io.meshgate.config.model.MeshKind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.meshbridge.identity.IdentitySnapshot;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.xds.ir.IdentityIr;
import io.meshgate.xds.ir.MeshTlsIr;
import io.meshgate.xds.ir.ProblemReason;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The config's mesh bridges as translation reads them: which Backends live inside a bridged mesh,
 * the identity each listed Gateway holds there, and how the mesh names and reaches its services.
 *
 * <p>Consul Connect, as Consul names things: a Gateway's identity is the Consul service it is
 * registered as, {@code spiffe://<trust domain>/ns/<namespace>/dc/<datacenter>/svc/<service>}
 * (service: the bridge's {@code serviceName}, else the Gateway's name); a Backend inside the mesh
 * is its Consul service, reached at its Connect-capable instances with TLS whose SNI is {@code
 * <service>.<namespace>.<datacenter>.internal.<trust domain>} and whose certificate must carry the
 * service's ID. The namespace is the CA's {@code namespace} (default {@code default}), the
 * datacenter its {@code datacenter} (default {@code dc1}, Consul's own default).
 *
 * <p>Istio, as Istio names things: a Gateway's identity is {@code spiffe://<trust
 * domain>/ns/<namespace>/sa/<service account>} (namespace: the CA's {@code namespace}, else the
 * bridge's; service account: {@code serviceName}, else the Gateway's name); a Backend inside the
 * mesh is an Istio service reached through Istio's east-west gateway (the Backend's endpoints),
 * with the server name {@code outbound_.<port>_._.<host>} the gateway routes by, ALPN {@code
 * istio}, and the service account's ID required of the peer.
 *
 * <p>A Backend listed by two bridges belongs to the first (by namespace and name); the second gets
 * a Problem.
 */
final class Bridges {
  /** One bridged mesh, as translation uses it. */
  sealed interface Bridge permits ConsulBridge, IstioBridge {
    Resource resource();

    MeshBridgeSpec spec();

    default ResourceKey key() {
      return resource().key();
    }

    /** The name of the Secret that holds the mesh's roots. */
    default String bundle() {
      return SpiffeId.trustDomainId(spec().trustDomain());
    }

    /** Whether {@code gateway} is one of the bridge's Gateways. */
    default boolean lists(Resource gateway) {
      return gateway.metadata().namespace().equals(resource().metadata().namespace())
          && spec().gateways().contains(gateway.metadata().name());
    }

    /** The name the Gateway takes in the mesh: the bridge's {@code serviceName}, else its own. */
    default String nameOf(Resource gateway) {
      return spec().serviceName() == null ? gateway.metadata().name() : spec().serviceName();
    }

    /** The identity {@code gateway} holds in the mesh. */
    IdentityIr identityOf(Resource gateway);

    /** Why {@code backend} cannot be reached in this mesh as it is written; empty when it can. */
    Optional<String> unreachable(BackendSpec backend);

    /** The SPIFFE ID the service {@code backend} is presents; only for a reachable Backend. */
    SpiffeId peerOf(BackendSpec backend);

    /** How a Gateway with identity {@code own} reaches {@code backend}; only if reachable. */
    MeshTlsIr tlsTo(IdentityIr own, BackendSpec backend);

    /** The bridge of {@code resource}, if translation uses it (a CA of the mesh's kind). */
    static Optional<Bridge> of(Resource resource) {
      MeshBridgeSpec spec = resource.spec(MeshBridgeSpec.class);
      if (spec.mesh() == MeshKind.CONSUL && spec.ca().consul() != null) {
        return Optional.of(new ConsulBridge(resource, spec, spec.ca().consul()));
      }
      if (spec.mesh() == MeshKind.ISTIO && spec.ca().istio() != null) {
        return Optional.of(new IstioBridge(resource, spec, spec.ca().istio()));
      }
      return Optional.empty();
    }
  }

  /** A Consul Connect bridge. */
  record ConsulBridge(Resource resource, MeshBridgeSpec spec, ConsulCa consul) implements Bridge {
    ConsulBridge {
      requireNonNull(resource, "resource");
      requireNonNull(spec, "spec");
      requireNonNull(consul, "consul");
    }

    String namespace() {
      return consul.namespace() == null ? "default" : consul.namespace();
    }

    String datacenter() {
      return consul.datacenter() == null ? "dc1" : consul.datacenter();
    }

    @Override
    public IdentityIr identityOf(Resource gateway) {
      return new IdentityIr(
          SpiffeId.consulService(spec.trustDomain(), namespace(), datacenter(), nameOf(gateway))
              .toString(),
          bundle());
    }

    @Override
    public Optional<String> unreachable(BackendSpec backend) {
      if (backend.consul() == null || !backend.consul().viaConnect()) {
        return Optional.of(
            "its endpoints must be the Connect-capable instances of a Consul service (consul:"
                + " {service: ..., connect: true})");
      }
      return Optional.empty();
    }

    @Override
    public SpiffeId peerOf(BackendSpec backend) {
      return SpiffeId.consulService(
          spec.trustDomain(), namespace(), datacenter(), backend.consul().service());
    }

    @Override
    public MeshTlsIr tlsTo(IdentityIr own, BackendSpec backend) {
      String service = backend.consul().service();
      String sni =
          service + "." + namespace() + "." + datacenter() + ".internal." + spec.trustDomain();
      return new MeshTlsIr(
          MeshTlsIr.Delivery.SDS,
          own.spiffeId(),
          own.trustBundle(),
          List.of(peerOf(backend).toString()),
          sni,
          List.of());
    }
  }

  /** An Istio bridge. */
  record IstioBridge(Resource resource, MeshBridgeSpec spec, IstioCa istio) implements Bridge {
    /** The ALPN Istio's sidecars expect of a peer that speaks Istio's mTLS. */
    static final String ALPN = "istio";

    IstioBridge {
      requireNonNull(resource, "resource");
      requireNonNull(spec, "spec");
      requireNonNull(istio, "istio");
    }

    @Override
    public IdentityIr identityOf(Resource gateway) {
      String namespace =
          istio.namespace() == null ? resource.metadata().namespace() : istio.namespace();
      return new IdentityIr(
          SpiffeId.workload(spec.trustDomain(), namespace, nameOf(gateway)).toString(), bundle());
    }

    @Override
    public Optional<String> unreachable(BackendSpec backend) {
      if (backend.istio() == null) {
        return Optional.of(
            "it must name its Istio service (istio: {host: ..., port: ..., namespace: ...}), and"
                + " its endpoints are the east-west gateway's");
      }
      return Optional.empty();
    }

    @Override
    public SpiffeId peerOf(BackendSpec backend) {
      return SpiffeId.workload(
          spec.trustDomain(),
          backend.istio().namespace(),
          backend.istio().serviceAccountOrDefault());
    }

    @Override
    public MeshTlsIr tlsTo(IdentityIr own, BackendSpec backend) {
      String sni = "outbound_." + backend.istio().port() + "_._." + backend.istio().host();
      return new MeshTlsIr(
          MeshTlsIr.Delivery.SDS,
          own.spiffeId(),
          own.trustBundle(),
          List.of(peerOf(backend).toString()),
          sni,
          List.of(ALPN));
    }
  }

  private final Map<ResourceKey, Bridge> byBackend = new HashMap<>();
  private final List<Bridge> bridges = new ArrayList<>();

  private Bridges() {}

  /** Indexes the config's bridges; Problems of their own go to {@code context}. */
  static Bridges of(Context context) {
    Bridges index = new Bridges();
    for (Resource resource : context.config.ofKind(Kind.MESH_BRIDGE)) {
      MeshBridgeSpec spec = resource.spec(MeshBridgeSpec.class);
      String namespace = resource.metadata().namespace();
      Optional<Bridge> found = Bridge.of(resource);
      if (found.isEmpty()) {
        continue;
      }
      Bridge bridge = found.get();
      ConsulCa consul = spec.ca().consul();
      if (bridge instanceof ConsulBridge && !consul.inDefaultPartition()) {
        // Consul puts a non-default partition into its SPIFFE IDs and SNI in a form meshgate does
        // not write yet: a bridge that would get both wrong joins nothing.
        context.problem(
            resource,
            "/spec/ca/consul/partition",
            ProblemReason.UNSUPPORTED_VALUE,
            "Consul admin partitions other than default are not supported yet; the bridge"
                + " joins nothing");
        continue;
      }
      if (bridge instanceof ConsulBridge
          && consul.token() != null
          && context
              .get(new ResourceKey(Kind.SECRET, namespace, consul.token().name()))
              .isEmpty()) {
        // The bridge still joins: its Gateways report IdentityUnavailable until the Secret comes.
        context.problem(
            resource,
            "/spec/ca/consul/token/name",
            ProblemReason.INVALID,
            "Secret " + namespace + "/" + consul.token().name() + " does not exist");
      }
      index.bridges.add(bridge);
      identityProblems(context, bridge);
      for (int i = 0; i < spec.backends().size(); i++) {
        String name = spec.backends().get(i);
        String path = "/spec/backends/" + i;
        ResourceKey key = new ResourceKey(Kind.BACKEND, namespace, name);
        Optional<Resource> backend = context.get(key);
        if (backend.isEmpty()) {
          context.problem(
              resource,
              path,
              ProblemReason.BACKEND_NOT_FOUND,
              "Backend " + namespace + "/" + name + " does not exist");
          continue;
        }
        Bridge earlier = index.byBackend.get(key);
        if (earlier != null) {
          context.problem(
              resource,
              path,
              ProblemReason.CONFLICTED,
              "Backend "
                  + name
                  + " is already inside MeshBridge "
                  + earlier.key().namespace()
                  + "/"
                  + earlier.key().name());
          continue;
        }
        Optional<String> unreachable = bridge.unreachable(backend.get().spec(BackendSpec.class));
        if (unreachable.isPresent()) {
          context.problem(
              backend.get(),
              "/spec",
              ProblemReason.INVALID,
              "the Backend is inside MeshBridge "
                  + resource.metadata().name()
                  + ": "
                  + unreachable.get());
        }
        index.byBackend.put(key, bridge);
      }
    }
    return index;
  }

  /**
   * A Problem on the bridge for each listed Gateway whose identity the bridge's source has not
   * issued, and for what a source of the bridge's trust domain reports (its CA unreachable since
   * when, a certificate left unrenewed): the reasons are the source's, as data.
   */
  private static void identityProblems(Context context, Bridge bridge) {
    String domain = bridge.spec().trustDomain();
    Optional<IdentitySnapshot.Problem> reported =
        context.identities.snapshots().stream()
            .filter(s -> s.bundle().map(b -> b.trustDomain().equals(domain)).orElse(false))
            .flatMap(s -> s.problem().stream())
            .findFirst();
    List<String> gateways = bridge.spec().gateways();
    for (int i = 0; i < gateways.size(); i++) {
      Optional<Resource> gateway =
          context.get(new ResourceKey(Kind.GATEWAY, bridge.key().namespace(), gateways.get(i)));
      if (gateway.isEmpty()) {
        continue;
      }
      String id = bridge.identityOf(gateway.get()).spiffeId();
      boolean issued = SpiffeId.parse(id).flatMap(context.identities::get).isPresent();
      if (!issued) {
        context.problem(
            bridge.resource(),
            "/spec/gateways/" + i,
            ProblemReason.IDENTITY_UNAVAILABLE,
            "no certificate for "
                + id
                + " yet"
                + reported
                    .map(p -> ": " + p)
                    .orElse(
                        " (does the agent answer, is spec.trustDomain the one Consul's roots name,"
                            + " and may the node's Consul token write this service?)"));
      } else if (reported.isPresent()) {
        context.problem(
            bridge.resource(),
            "/spec/gateways/" + i,
            ProblemReason.IDENTITY_UNAVAILABLE,
            "serving the last certificate for " + id + ": " + reported.get());
      }
    }
  }

  /** The bridge whose mesh {@code backend} lives in. */
  Optional<Bridge> of(ResourceKey backend) {
    return Optional.ofNullable(byBackend.get(backend));
  }

  /** The bridges that list {@code gateway}, in config order. */
  List<Bridge> listing(Resource gateway) {
    return bridges.stream().filter(b -> b.lists(gateway)).toList();
  }

  /** Every bridge of the config that translation uses. */
  List<Bridge> all() {
    return List.copyOf(bridges);
  }
}
