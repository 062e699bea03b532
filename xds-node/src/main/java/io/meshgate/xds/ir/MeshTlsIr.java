package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Mutual TLS with mesh identities, on either side of a connection: this proxy presents its own
 * identity and trusts its trust domain's bundle; as a client it also requires the peer to be one of
 * {@code peers}. Envoy takes the material as SDS Secrets named {@code identity} and {@code
 * trustBundle}; proxyless gRPC from its certificate provider (gRFC A29), whose files carry the
 * identity of the host it runs on.
 *
 * @param identity the SDS name of this proxy's certificate (its SPIFFE ID); for {@link
 *     Delivery#CERTIFICATE_PROVIDER}, the provider instance
 * @param trustBundle the SDS name of the bundle (the trust domain's ID); for {@link
 *     Delivery#CERTIFICATE_PROVIDER}, the provider instance
 * @param peers SPIFFE IDs the peer's certificate must carry as a URI SAN (one of them); empty: any
 *     identity the bundle vouches for (the server side, where permissions decide)
 * @param sni the server name a client sends; null: none (meshgate's mesh). A bridged mesh routes by
 *     it (Consul's {@code <service>.<namespace>.<dc>.internal.<trust domain>}, Istio's {@code
 *     outbound_.<port>_._.<host>})
 * @param alpn the protocols a client offers, in place of meshgate's choice; empty: meshgate's
 *     ({@code h2} to an HTTP/2 upstream). Istio's peers expect {@code istio}
 */
public record MeshTlsIr(
    Delivery delivery,
    String identity,
    String trustBundle,
    List<String> peers,
    @Nullable String sni,
    List<String> alpn) {
  /** The certificate provider instance meshgate's gRPC bootstrap declares. */
  public static final String PROVIDER_INSTANCE = "meshgate";

  /** How the proxy gets its certificate and bundle. */
  public enum Delivery {
    /** SDS Secrets on the proxy's ADS stream (Envoy). */
    SDS,
    /** Files read by gRPC's file_watcher certificate provider (proxyless gRPC). */
    CERTIFICATE_PROVIDER
  }

  public MeshTlsIr {
    requireNonNull(delivery, "delivery");
    requireNonNull(identity, "identity");
    requireNonNull(trustBundle, "trustBundle");
    peers = Lists.copy(peers);
    alpn = Lists.copy(alpn);
  }

  /** Without a server name: meshgate's own mesh, where the peer's certificate is what counts. */
  public MeshTlsIr(Delivery delivery, String identity, String trustBundle, List<String> peers) {
    this(delivery, identity, trustBundle, peers, null, List.of());
  }

  /** Proxyless gRPC: both from the bootstrap's certificate provider. */
  public static MeshTlsIr provider(List<String> peers) {
    return new MeshTlsIr(
        Delivery.CERTIFICATE_PROVIDER, PROVIDER_INSTANCE, PROVIDER_INSTANCE, peers);
  }

  /** The same, requiring the given peers. */
  public MeshTlsIr toPeers(List<String> peers) {
    return new MeshTlsIr(delivery, identity, trustBundle, peers, sni, alpn);
  }
}
