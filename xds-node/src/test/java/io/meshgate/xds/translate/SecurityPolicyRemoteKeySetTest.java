package io.meshgate.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.xds.ir.Problem;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.issuers.Discovery;
import io.meshgate.xds.issuers.IssuerSnapshot;
import io.meshgate.xds.issuers.KeySet;
import io.meshgate.xds.issuers.KeySetSource;
import io.meshgate.xds.issuers.KnownKeySet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What meshgate's own fetch of a remote key set does to a build through the production entry: a
 * Problem on the policy at the provider's {@code remoteJWKS/uri}, and nothing else. The Envoy
 * resources of a build with a failing fetch equal those of one with a good fetch, so replicas whose
 * fetches disagree serve the same config.
 */
class SecurityPolicyRemoteKeySetTest {
  private static final String URI = "https://login.example.com/.well-known/jwks.json";
  private static final KeySetSource SOURCE = KeySetSource.of(URI);
  private static final KeySet GOOD = new KeySet(2, "0123456789abcdef");
  private static final String CONFIG =
      """
      apiVersion: gateway.networking.k8s.io/v1
      kind: Gateway
      metadata: {name: edge}
      spec:
        listeners: [{name: web, port: 80, protocol: HTTP}]
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: app}
      spec:
        static: {endpoints: [{address: 10.0.0.1, port: 8080}]}
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: shop}
      spec:
        parentRefs: [{name: edge}]
        rules:
          - matches: [{path: {type: PathPrefix, value: /shop}}]
            backendRefs: [{name: app}]
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: SecurityPolicy
      metadata: {name: shop-jwt}
      spec:
        targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: shop}]
        jwt:
          providers:
            - name: local
              localJWKS: {name: shop-keys}
            - name: corp
              issuer: https://login.example.com
              remoteJWKS: {uri: %s}
      ---
      apiVersion: v1
      kind: Secret
      metadata: {name: shop-keys}
      type: Opaque
      data: {jwks: eyJrZXlzIjpbeyJrdHkiOiJvY3QiLCJrIjoiYSJ9XX0=}
      """
          .formatted(URI);

  @Test
  void aKeySetMeshgateNeverFetchedIsAProblemAtItsUriAndChangesNoEnvoyResource() {
    // given
    ConfigSnapshot config = Cases.snapshot(CONFIG);
    // when
    Cases.Translated good = translate(config, new KnownKeySet.Current(GOOD));
    Cases.Translated failing =
        translate(
            config,
            new KnownKeySet.Missing(
                new Discovery.Failure(
                    Discovery.Kind.CERTIFICATE_NOT_TRUSTED, "TLS handshake failed")));
    // then
    assertThat(good.ir().problems()).isEmpty();
    assertThat(failing.ir().problems())
        .singleElement()
        .satisfies(
            problem -> {
              assertThat(problem.source().name()).isEqualTo("shop-jwt");
              assertThat(problem.path()).isEqualTo("/spec/jwt/providers/1/remoteJWKS/uri");
              assertThat(problem.reason()).isEqualTo(ProblemReason.KEY_SET_UNAVAILABLE);
              assertThat(problem.message())
                  .isEqualTo(
                      "meshgate cannot fetch the key set at "
                          + URI
                          + ": its TLS certificate is not trusted (TLS handshake failed); the Envoy"
                          + " config is unchanged: Envoy fetches the keys itself and refuses tokens"
                          + " of this provider (401) while it has none");
            });
    assertThat(failing.groups()).isNotEmpty().isEqualTo(good.groups());
  }

  @Test
  void aFailingRefreshIsAStaleProblemNamingTheLastGoodKeySetAndChangesNoEnvoyResource() {
    // given
    ConfigSnapshot config = Cases.snapshot(CONFIG);
    // when
    Cases.Translated good = translate(config, new KnownKeySet.Current(GOOD));
    Cases.Translated stale =
        translate(
            config,
            new KnownKeySet.Stale(
                GOOD, new Discovery.Failure(Discovery.Kind.UNREACHABLE, "HTTP 503")));
    // then
    List<Problem> problems = stale.ir().problems();
    assertThat(problems)
        .extracting(Problem::path, Problem::reason, Problem::message)
        .containsExactly(
            tuple(
                "/spec/jwt/providers/1/remoteJWKS/uri",
                ProblemReason.KEY_SET_STALE,
                "refreshing the key set at "
                    + URI
                    + " fails: its key set cannot be fetched (HTTP 503); the last good key set"
                    + " meshgate fetched (2 keys, sha-256 0123456789abcdef) is from before; the"
                    + " Envoy config is unchanged and Envoy refreshes its own keys"));
    assertThat(stale.groups()).isEqualTo(good.groups());
  }

  @Test
  void aKeySetNotFetchedYetSaysNothing() {
    // given: no fetch has ended (and pipelines without a fetcher never fetch)
    ConfigSnapshot config = Cases.snapshot(CONFIG);
    // when
    Cases.Translated pending = Cases.translate(Cases.inputs(config, IssuerSnapshot.empty()));
    // then
    assertThat(pending.ir().problems()).isEmpty();
    assertThat(pending.groups())
        .isEqualTo(translate(config, new KnownKeySet.Current(GOOD)).groups());
  }

  private static Cases.Translated translate(ConfigSnapshot config, KnownKeySet known) {
    return Cases.translate(
        Cases.inputs(config, IssuerSnapshot.of(Map.of(), Map.of(SOURCE, known))));
  }
}
