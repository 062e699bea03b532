package io.meshgate.xds.translate;

import static io.meshgate.xds.envoy.Consistency.unpack;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.meshgate.config.pem.Pem;
import io.meshgate.xds.envoy.GroupResources;
import java.io.IOException;
import java.net.InetAddress;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * A real TLS 1.3 handshake on loopback (the JDK's), with material a test took from what translation
 * serves: the server requires a client certificate its bundle vouches for, as a sidecar's inbound
 * does; the client trusts its bundle, requires one of the peers its cluster names and sends the
 * cluster's server name, as Envoy does.
 */
final class TlsHandshake {
  private TlsHandshake() {}

  /** One side's material: its identity (chain and key) and the bundle it trusts. */
  record Side(
      String id, List<X509Certificate> chain, PrivateKey key, List<X509Certificate> bundle) {}

  /** What the server saw: the client's URI SAN and the server name it asked for. */
  record Seen(String uriSan, Optional<String> sni) {}

  /**
   * What a group was served to call {@code cluster} with: its identity and bundle Secrets (the ones
   * the cluster names) and the cluster's peers, server name and ALPN.
   */
  record Served(Side side, List<String> peers, Optional<String> sni, List<String> alpn) {}

  static Served servedTo(List<GroupResources> groups, String group, String cluster)
      throws Exception {
    GroupResources resources =
        groups.stream().filter(g -> g.group().equals(group)).findFirst().orElseThrow();
    UpstreamTlsContext tls =
        unpack(resources.clusters(), Cluster.class).stream()
            .filter(c -> c.getName().equals(cluster))
            .findFirst()
            .orElseThrow()
            .getTransportSocket()
            .getTypedConfig()
            .unpack(UpstreamTlsContext.class);
    CommonTlsContext common = tls.getCommonTlsContext();
    Map<String, Secret> secrets = new HashMap<>();
    unpack(resources.secrets(), Secret.class).forEach(s -> secrets.put(s.getName(), s));
    Secret identity = secrets.get(common.getTlsCertificateSdsSecretConfigs(0).getName());
    Secret bundle =
        secrets.get(
            common.getCombinedValidationContext().getValidationContextSdsSecretConfig().getName());
    if (identity == null || bundle == null) {
      throw new AssertionError(group + " is not served the Secrets cluster " + cluster + " names");
    }
    List<String> peers =
        common
            .getCombinedValidationContext()
            .getDefaultValidationContext()
            .getMatchTypedSubjectAltNamesList()
            .stream()
            .filter(m -> m.getSanType() == SubjectAltNameMatcher.SanType.URI)
            .map(m -> m.getMatcher().getExact())
            .toList();
    return new Served(
        new Side(
            identity.getName(),
            Pem.certificates(
                identity.getTlsCertificate().getCertificateChain().getInlineString(), "chain"),
            Pem.privateKey(identity.getTlsCertificate().getPrivateKey().getInlineString(), "key"),
            Pem.certificates(
                bundle.getValidationContext().getTrustedCa().getInlineString(), "bundle")),
        peers,
        tls.getSni().isEmpty() ? Optional.empty() : Optional.of(tls.getSni()),
        common.getAlpnProtocolsList());
  }

  /**
   * @param peers the URI SANs the client accepts
   * @param sni the server name the client sends, if its cluster has one
   * @param at the time certificates are validated at
   */
  static Seen run(Side server, Side client, List<String> peers, Optional<String> sni, Instant at)
      throws Exception {
    SSLContext serverContext = context(server, trustManager(server.bundle(), Optional.empty(), at));
    SSLContext clientContext =
        context(client, trustManager(client.bundle(), Optional.of(peers), at));
    try (SSLServerSocket listening =
        (SSLServerSocket)
            serverContext
                .getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      listening.setNeedClientAuth(true);
      CompletableFuture<Seen> seen =
          CompletableFuture.supplyAsync(
              () -> {
                try (SSLSocket accepted = (SSLSocket) listening.accept()) {
                  accepted.startHandshake();
                  X509Certificate peer =
                      (X509Certificate) accepted.getSession().getPeerCertificates()[0];
                  List<SNIServerName> asked =
                      ((ExtendedSSLSession) accepted.getSession()).getRequestedServerNames();
                  accepted.getOutputStream().write(1);
                  return new Seen(
                      uriSan(peer),
                      asked.stream()
                          .filter(SNIHostName.class::isInstance)
                          .map(n -> ((SNIHostName) n).getAsciiName())
                          .findFirst());
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              });
      try (SSLSocket socket =
          (SSLSocket)
              clientContext
                  .getSocketFactory()
                  .createSocket(InetAddress.getLoopbackAddress(), listening.getLocalPort())) {
        if (sni.isPresent()) {
          SSLParameters parameters = socket.getSSLParameters();
          parameters.setServerNames(List.of(new SNIHostName(sni.get())));
          socket.setSSLParameters(parameters);
        }
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
      List<X509Certificate> bundle, Optional<List<String>> peers, Instant at) throws Exception {
    KeyStore roots = KeyStore.getInstance("PKCS12");
    roots.load(null, null);
    for (int i = 0; i < bundle.size(); i++) {
      roots.setCertificateEntry("root-" + i, bundle.get(i));
    }
    // Validated at the test's time: test identities are fixed, not fresh.
    PKIXBuilderParameters parameters = new PKIXBuilderParameters(roots, new X509CertSelector());
    parameters.setRevocationEnabled(false);
    parameters.setDate(Date.from(at));
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

  static String uriSan(X509Certificate certificate) {
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
