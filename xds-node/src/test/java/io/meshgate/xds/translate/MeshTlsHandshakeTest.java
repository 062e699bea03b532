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
import java.net.InetAddress;
import java.net.URI;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
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
    Side web = side(mesh, "sidecar/shop/web");
    Side api = side(mesh, "sidecar/shop/api");

    // when
    String seenByServer = handshake(api, web, expectedPeers(mesh, "sidecar/shop/web"));

    // then: the server saw web's SPIFFE ID
    assertThat(seenByServer).isEqualTo("spiffe://meshgate.local/ns/shop/sa/web");
  }

  @Test
  void aClientRefusesAPeerWhoseSpiffeIdIsNotTheOneItsClusterNames() throws Exception {
    // given: web's cluster expects service account "billing" for api; api's sidecar is "api"
    Cases.Translated expectsBilling = Cases.translate(CONFIG.formatted("billing"));
    Cases.Translated actual = Cases.translate(CONFIG.formatted("api"));
    Side web = side(expectsBilling, "sidecar/shop/web");
    Side api = side(actual, "sidecar/shop/api");
    List<String> expected = expectedPeers(expectsBilling, "sidecar/shop/web");
    assertThat(expected).containsExactly("spiffe://meshgate.local/ns/shop/sa/billing");

    // then
    assertThatThrownBy(() -> handshake(api, web, expected)).hasStackTraceContaining("SPIFFE ID");
  }

  @Test
  void theInboundRefusesAClientWhoseCertificateTheMeshCaDidNotIssue() throws Exception {
    // given: a client with the right SPIFFE ID from another CA
    Cases.Translated mesh = Cases.translate(CONFIG.formatted("api"));
    Side api = side(mesh, "sidecar/shop/api");
    Side impostor = impostor("spiffe://meshgate.local/ns/shop/sa/web", api.bundle());

    // then
    assertThatThrownBy(() -> handshake(api, impostor, List.of(api.id())))
        .isInstanceOf(IOException.class);
  }

  /** What one sidecar was served: its identity, its key, the bundle. */
  private record Side(
      String id, List<X509Certificate> chain, PrivateKey key, List<X509Certificate> bundle) {}

  private static Side side(Cases.Translated translated, String group) {
    GroupResources resources =
        translated.groups().stream().filter(g -> g.group().equals(group)).findFirst().orElseThrow();
    List<Secret> secrets = unpack(resources.secrets(), Secret.class);
    Secret identity = secrets.stream().filter(Secret::hasTlsCertificate).findFirst().orElseThrow();
    Secret bundle = secrets.stream().filter(Secret::hasValidationContext).findFirst().orElseThrow();
    return new Side(
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
  private static Side impostor(String id, List<X509Certificate> bundle) {
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
    return new Side(id, List.of(leaf), pair.getPrivate(), bundle);
  }

  /**
   * One handshake on loopback: {@code server} requires a client certificate its bundle vouches for;
   * {@code client} trusts its bundle and requires one of {@code peers}. Returns the URI SAN the
   * server saw.
   */
  private static String handshake(Side server, Side client, List<String> peers) throws Exception {
    SSLContext serverContext = context(server, trustManager(server.bundle(), Optional.empty()));
    SSLContext clientContext = context(client, trustManager(client.bundle(), Optional.of(peers)));
    try (SSLServerSocket listening =
        (SSLServerSocket)
            serverContext
                .getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      listening.setNeedClientAuth(true);
      CompletableFuture<String> seen =
          CompletableFuture.supplyAsync(
              () -> {
                try (SSLSocket accepted = (SSLSocket) listening.accept()) {
                  accepted.startHandshake();
                  X509Certificate peer =
                      (X509Certificate) accepted.getSession().getPeerCertificates()[0];
                  accepted.getOutputStream().write(1);
                  return uriSan(peer);
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              });
      try (SSLSocket socket =
          (SSLSocket)
              clientContext
                  .getSocketFactory()
                  .createSocket(InetAddress.getLoopbackAddress(), listening.getLocalPort())) {
        socket.startHandshake();
        // TLS 1.3 reports a refused client certificate on the first read.
        if (socket.getInputStream().read() != 1) {
          throw new IOException("the server closed the connection");
        }
      }
      return seen.get(10, TimeUnit.SECONDS);
    }
  }

  private static SSLContext context(Side side, TrustManager trust) throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    char[] password = "test".toCharArray();
    keys.setKeyEntry(
        "identity", side.key(), password, side.chain().toArray(X509Certificate[]::new));
    KeyManagerFactory keyManagers =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keys, password);
    SSLContext context = SSLContext.getInstance("TLSv1.3");
    context.init(keyManagers.getKeyManagers(), new TrustManager[] {trust}, new SecureRandom());
    return context;
  }

  /** PKIX against the bundle, then (for a client) the peer's SPIFFE ID, as Envoy checks them. */
  private static X509TrustManager trustManager(
      List<X509Certificate> bundle, Optional<List<String>> peers) throws Exception {
    KeyStore roots = KeyStore.getInstance("PKCS12");
    roots.load(null, null);
    for (int i = 0; i < bundle.size(); i++) {
      roots.setCertificateEntry("root-" + i, bundle.get(i));
    }
    // Validated at the test identities' time: their certificates are fixed, not fresh.
    PKIXBuilderParameters parameters = new PKIXBuilderParameters(roots, new X509CertSelector());
    parameters.setRevocationEnabled(false);
    parameters.setDate(Date.from(AT));
    TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
    factory.init(new CertPathTrustManagerParameters(parameters));
    X509TrustManager pkix = (X509TrustManager) factory.getTrustManagers()[0];
    return new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType)
          throws CertificateException {
        pkix.checkClientTrusted(chain, authType);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType)
          throws CertificateException {
        pkix.checkServerTrusted(chain, authType);
        String presented = uriSan(chain[0]);
        if (peers.isPresent() && !peers.get().contains(presented)) {
          throw new CertificateException(
              "SPIFFE ID " + presented + " is not one of " + peers.get());
        }
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
      }
    };
  }

  private static String uriSan(X509Certificate certificate) {
    try {
      return certificate.getSubjectAlternativeNames().stream()
          .filter(name -> Integer.valueOf(6).equals(name.get(0)))
          .map(name -> (String) name.get(1))
          .findFirst()
          .orElse("");
    } catch (CertificateException e) {
      throw new IllegalStateException(e);
    }
  }
}
