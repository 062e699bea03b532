package io.meshgate.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshgate.config.pem.Pem;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.StaticEndpointSource;
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.meshbridge.identity.IdentitySnapshot;
import io.meshgate.meshbridge.identity.IssuedIdentity;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.meshbridge.istio.IstioCaSettings;
import io.meshgate.meshbridge.istio.IstioCaSource;
import io.meshgate.testkit.IstiodCaDouble;
import io.meshgate.xds.pipeline.Inputs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway in front of an Istio service, over a real TLS 1.3 handshake: the Gateway presents
 * exactly the certificate, key and bundle meshgate serves it (issued by the istiod double through
 * {@link IstioCaSource}, as a replica gets them) and checks the peer as its cluster says; the
 * server is the Istio workload as its sidecar holds it: its own leaf from the same istiod, client
 * certificates from Istio's root required. The server name Istio's east-west gateway routes by
 * ({@code outbound_.9080_._.reviews...}) is checked on the cluster, not sent: the JDK's TLS refuses
 * underscores in a server name, which Envoy sends as they are.
 */
class IstioBridgeHandshakeTest {
  @TempDir Path dir;

  private final IstiodCaDouble istiod = IstiodCaDouble.startDefault();
  private final List<IstioCaSource> sources = new ArrayList<>();

  @BeforeEach
  void tokens() {
    istiod.token("gateway-token", "gateways", "meshgate-gw");
    istiod.token("reviews-token", "bookinfo", "bookinfo-reviews");
  }

  @AfterEach
  void stop() {
    sources.forEach(IstioCaSource::close);
    istiod.close();
  }

  @Test
  void theIstioWorkloadAcceptsTheGatewaysServedIstioIdentity() throws Exception {
    // given
    TlsHandshake.Served gateway = translate("bookinfo-reviews");
    TlsHandshake.Side reviews = workload("reviews-token", "bookinfo", "bookinfo-reviews");

    // when
    TlsHandshake.Seen seen =
        TlsHandshake.run(reviews, gateway.side(), gateway.peers(), Optional.empty(), Instant.now());

    // then
    assertThat(seen.uriSan()).isEqualTo("spiffe://cluster.local/ns/gateways/sa/meshgate-gw");
    assertThat(gateway.sni()).contains("outbound_.9080_._.reviews.bookinfo.svc.cluster.local");
    assertThat(gateway.alpn()).containsExactly("istio");
  }

  @Test
  void theGatewayRefusesAWorkloadOfAnotherServiceAccount() throws Exception {
    // given: the cluster expects bookinfo-ratings; the server is reviews
    TlsHandshake.Served gateway = translate("bookinfo-ratings");
    TlsHandshake.Side reviews = workload("reviews-token", "bookinfo", "bookinfo-reviews");

    // then
    assertThatThrownBy(
            () ->
                TlsHandshake.run(
                    reviews, gateway.side(), gateway.peers(), Optional.empty(), Instant.now()))
        .hasStackTraceContaining("SPIFFE ID");
  }

  /** What the Gateway is served to call reviews with. */
  private TlsHandshake.Served translate(String serviceAccount) throws Exception {
    ConfigSnapshot config =
        Cases.snapshot(
            BridgeConfigs.istioGateway(
                "static: {endpoints: [{address: 10.3.0.1, port: 15443}]}",
                serviceAccount,
                istiod.address()));
    IstioCaSource gatewaySource = source("gateway-token", "gateways", "meshgate-gw");
    SpiffeId id = gatewaySource.id();
    IdentitySnapshot issued =
        await().until(() -> gatewaySource.snapshotFor(Set.of(id)), s -> s.get(id).isPresent());
    Cases.Translated translated =
        Cases.translate(
            new Inputs(
                config,
                StaticEndpointSource.from(config),
                Cases.KEYS.ringFor(config),
                Identities.of(issued)));
    return TlsHandshake.servedTo(translated.groups(), "gateway/edge/public", "edge/reviews");
  }

  /** An Istio workload as its sidecar holds its identity: from istiod, with Istio's roots. */
  private TlsHandshake.Side workload(String token, String namespace, String serviceAccount)
      throws Exception {
    IstioCaSource source = source(token, namespace, serviceAccount);
    SpiffeId id = source.id();
    IdentitySnapshot issued =
        await().until(() -> source.snapshotFor(Set.of(id)), s -> s.get(id).isPresent());
    IssuedIdentity identity = issued.get(id).orElseThrow();
    return new TlsHandshake.Side(
        id.toString(),
        Pem.certificates(identity.chainPem(), "chain"),
        Pem.privateKey(identity.keyPem(), "key"),
        Pem.certificates(issued.bundle().orElseThrow().pem(), "bundle"));
  }

  private IstioCaSource source(String token, String namespace, String serviceAccount)
      throws Exception {
    Path tokenFile = dir.resolve(token);
    Files.writeString(tokenFile, token);
    Path root = dir.resolve("root-cert.pem");
    Files.writeString(root, istiod.rootPem());
    IstioCaSource source =
        IstioCaSource.start(
            new IstioCaSettings(
                istiod.address(),
                Optional.of(root),
                tokenFile,
                istiod.trustDomain(),
                namespace,
                serviceAccount,
                Optional.empty(),
                IstioCaSettings.DEFAULT_TTL),
            Clock.systemUTC());
    sources.add(source);
    return source;
  }
}
