package io.meshgate.xds.envoy;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.meshgate.xds.ir.MeshTlsIr;
import io.meshgate.xds.ir.UpstreamProtocol;

/**
 * Mesh mTLS contexts. Envoy gets its identity and bundle by SDS name (the certificate, the bundle,
 * and a default validation context with the peer's SPIFFE IDs, combined); proxyless gRPC from its
 * certificate provider instance, with the peer IDs in {@code match_subject_alt_names} — the field
 * grpc-java reads (it refuses SDS in a cluster's TLS context).
 */
final class MeshTls {
  private MeshTls() {}

  /** A client's: present the identity, trust the bundle, require one of the peers. */
  static TransportSocket upstream(MeshTlsIr tls, UpstreamProtocol protocol) {
    CommonTlsContext.Builder common = common(tls);
    if (!tls.alpn().isEmpty()) {
      common.addAllAlpnProtocols(tls.alpn());
    } else if (protocol == UpstreamProtocol.HTTP2 && tls.delivery() == MeshTlsIr.Delivery.SDS) {
      common.addAlpnProtocols("h2");
    }
    UpstreamTlsContext.Builder upstream =
        UpstreamTlsContext.newBuilder().setCommonTlsContext(common);
    if (tls.sni() != null) {
      upstream.setSni(tls.sni());
    }
    return socket(Any.pack(upstream.build()));
  }

  /** A server's: present the identity, require a client certificate the bundle vouches for. */
  static TransportSocket downstream(MeshTlsIr tls, boolean http) {
    CommonTlsContext.Builder common = common(tls);
    if (http && tls.delivery() == MeshTlsIr.Delivery.SDS) {
      // HTTP/2 where the caller offers it (gRPC needs it), HTTP/1.1 otherwise.
      common.addAlpnProtocols("h2").addAlpnProtocols("http/1.1");
    }
    return socket(
        Any.pack(
            DownstreamTlsContext.newBuilder()
                .setRequireClientCertificate(BoolValue.of(true))
                .setCommonTlsContext(common)
                .build()));
  }

  @SuppressWarnings("deprecation") // match_subject_alt_names: grpc-java reads only this field.
  private static CommonTlsContext.Builder common(MeshTlsIr tls) {
    CommonTlsContext.Builder common = CommonTlsContext.newBuilder();
    if (tls.delivery() == MeshTlsIr.Delivery.SDS) {
      CertificateValidationContext.Builder peers = CertificateValidationContext.newBuilder();
      for (String peer : tls.peers()) {
        peers.addMatchTypedSubjectAltNames(
            SubjectAltNameMatcher.newBuilder()
                .setSanType(SubjectAltNameMatcher.SanType.URI)
                .setMatcher(StringMatcher.newBuilder().setExact(peer)));
      }
      common
          .addTlsCertificateSdsSecretConfigs(sds(tls.identity()))
          .setCombinedValidationContext(
              CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                  .setDefaultValidationContext(peers)
                  .setValidationContextSdsSecretConfig(sds(tls.trustBundle())));
      return common;
    }
    CertificateValidationContext.Builder validation =
        CertificateValidationContext.newBuilder()
            .setCaCertificateProviderInstance(
                CertificateProviderPluginInstance.newBuilder()
                    .setInstanceName(tls.trustBundle())
                    .setCertificateName("ROOTCA"));
    for (String peer : tls.peers()) {
      validation.addMatchSubjectAltNames(StringMatcher.newBuilder().setExact(peer));
    }
    return common
        .setTlsCertificateProviderInstance(
            CertificateProviderPluginInstance.newBuilder()
                .setInstanceName(tls.identity())
                .setCertificateName("default"))
        .setValidationContext(validation);
  }

  private static SdsSecretConfig sds(String name) {
    return SdsSecretConfig.newBuilder().setName(name).setSdsConfig(ConfigSources.ADS).build();
  }

  private static TransportSocket socket(Any context) {
    return TransportSocket.newBuilder()
        .setName(Clusters.TLS_TRANSPORT_SOCKET)
        .setTypedConfig(context)
        .build();
  }
}
