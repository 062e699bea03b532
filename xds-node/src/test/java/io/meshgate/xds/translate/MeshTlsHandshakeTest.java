package io.meshgate.xds.translate;

import static io.meshgate.xds.envoy.Consistency.unpack;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.meshgate.config.pem.Pem;
import io.meshgate.meshbridge.ca.CertificateAuthority;
import io.meshgate.meshbridge.ca.KeyPairs;
import io.meshgate.meshbridge.ca.LeafRequest;
import io.meshgate.meshbridge.ca.Purpose;
import io.meshgate.meshbridge.ca.Signing;
import io.meshgate.meshbridge.ca.SubjectName;
import io.meshgate.xds.envoy.GroupResources;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A real TLS 1.3 handshake (the JDK's) with exactly what translation serves two sidecars: each
 * side's identity Secret (chain and key), the trust bundle Secret, and the SAN matchers of the
 * client's cluster. The server requires a client certificate the bundle vouches for, as the
 * sidecar's inbound does; the client requires the peer's SPIFFE ID, as its cluster does.
 */
class MeshTlsHandshakeTest {
  /** When the handshakes happen, as far as certificate validity goes. */
  private static final Instant AT = TestIdentities.NOT_BEFORE.plus(Duration.ofHours(1));

  private static final String CONFIG =
      """
      apiVersion: meshgate.io/v1alpha1
      kind: Sidecar
      metadata: {name: web, namespace: shop}
      spec:
        service: web
        inbound: {port: 21000, localPort: 8080}
        upstreams: [{backend: api, localBindPort: 9191}]
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: Sidecar
      metadata: {name: api, namespace: shop}
      spec:
        service: api
        inbound: {port: 21001, localPort: 8081}
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: web, namespace: shop}
      spec:
        mesh: {}
        static: {endpoints: [{address: 10.0.0.1, port: 21000}]}
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: api, namespace: shop}
      spec:
        mesh: {serviceAccount: %s}
        static: {endpoints: [{address: 10.0.0.2, port: 21001}]}
      """;

  @Test
  void aSidecarsServedIdentityIsAcceptedByTheMeshPeerItCalls() throws Exception {
    // given: web calls api; api's sidecar holds the identity the cluster expects
    Cases.Translated mesh = Cases.translate(CONFIG.formatted("api"));
    TlsHandshake.Side web = side(mesh, "sidecar/shop/web");
    TlsHandshake.Side api = side(mesh, "sidecar/shop/api");

    // when
    String seenByServer =
        TlsHandshake.run(api, web, expectedPeers(mesh, "sidecar/shop/web"), Optional.empty(), AT)
            .uriSan();

    // then: the server saw web's SPIFFE ID
    assertThat(seenByServer).isEqualTo("spiffe://meshgate.local/ns/shop/sa/web");
  }

  @Test
  void aClientRefusesAPeerWhoseSpiffeIdIsNotTheOneItsClusterNames() throws Exception {
    // given: web's cluster expects service account "billing" for api; api's sidecar is "api"
    Cases.Translated expectsBilling = Cases.translate(CONFIG.formatted("billing"));
    Cases.Translated actual = Cases.translate(CONFIG.formatted("api"));
    TlsHandshake.Side web = side(expectsBilling, "sidecar/shop/web");
    TlsHandshake.Side api = side(actual, "sidecar/shop/api");
    List<String> expected = expectedPeers(expectsBilling, "sidecar/shop/web");
    assertThat(expected).containsExactly("spiffe://meshgate.local/ns/shop/sa/billing");

    // then
    assertThatThrownBy(() -> TlsHandshake.run(api, web, expected, Optional.empty(), AT))
        .hasStackTraceContaining("SPIFFE ID");
  }

  @Test
  void theInboundRefusesAClientWhoseCertificateTheMeshCaDidNotIssue() throws Exception {
    // given: a client with the right SPIFFE ID from another CA
    Cases.Translated mesh = Cases.translate(CONFIG.formatted("api"));
    TlsHandshake.Side api = side(mesh, "sidecar/shop/api");
    TlsHandshake.Side impostor = impostor("spiffe://meshgate.local/ns/shop/sa/web", api.bundle());

    // then
    assertThatThrownBy(
            () -> TlsHandshake.run(api, impostor, List.of(api.id()), Optional.empty(), AT))
        .isInstanceOf(IOException.class);
  }

  private static TlsHandshake.Side side(Cases.Translated translated, String group) {
    GroupResources resources =
        translated.groups().stream().filter(g -> g.group().equals(group)).findFirst().orElseThrow();
    List<Secret> secrets = unpack(resources.secrets(), Secret.class);
    Secret identity = secrets.stream().filter(Secret::hasTlsCertificate).findFirst().orElseThrow();
    Secret bundle = secrets.stream().filter(Secret::hasValidationContext).findFirst().orElseThrow();
    return new TlsHandshake.Side(
        identity.getName(),
        Pem.certificates(
            identity.getTlsCertificate().getCertificateChain().getInlineString(), "chain"),
        Pem.privateKey(identity.getTlsCertificate().getPrivateKey().getInlineString(), "key"),
        Pem.certificates(bundle.getValidationContext().getTrustedCa().getInlineString(), "bundle"));
  }

  /** The URI SANs the group's mesh cluster requires of its peer. */
  private static List<String> expectedPeers(Cases.Translated translated, String group)
      throws Exception {
    GroupResources resources =
        translated.groups().stream().filter(g -> g.group().equals(group)).findFirst().orElseThrow();
    for (Cluster cluster : unpack(resources.clusters(), Cluster.class)) {
      if (cluster.hasTransportSocket() && cluster.getName().contains("api")) {
        return cluster
            .getTransportSocket()
            .getTypedConfig()
            .unpack(UpstreamTlsContext.class)
            .getCommonTlsContext()
            .getCombinedValidationContext()
            .getDefaultValidationContext()
            .getMatchTypedSubjectAltNamesList()
            .stream()
            .filter(m -> m.getSanType() == SubjectAltNameMatcher.SanType.URI)
            .map(m -> m.getMatcher().getExact())
            .toList();
      }
    }
    throw new AssertionError("no mesh cluster to api in " + group);
  }

  /** A client certificate with the right name, issued by a CA the mesh does not trust. */
  private static TlsHandshake.Side impostor(String id, List<X509Certificate> bundle) {
    SecureRandom random = new SecureRandom();
    Instant now = AT;
    CertificateAuthority other =
        CertificateAuthority.selfSigned(
            "not the mesh CA",
            KeyPairs.generate(random),
            now.minus(Duration.ofHours(1)),
            now.plus(Duration.ofDays(1)),
            CertificateAuthority.randomSerial(random),
            Signing.RANDOMIZED);
    KeyPair pair = KeyPairs.generate(random);
    X509Certificate leaf =
        other.issue(
            new LeafRequest(
                id,
                List.of(new SubjectName.Uri(URI.create(id))),
                Purpose.CLIENT_AND_SERVER,
                pair.getPublic(),
                now.minus(Duration.ofMinutes(5)),
                now.plus(Duration.ofHours(1)),
                BigInteger.TEN,
                Signing.RANDOMIZED));
    return new TlsHandshake.Side(id, List.of(leaf), pair.getPrivate(), bundle);
  }
}
