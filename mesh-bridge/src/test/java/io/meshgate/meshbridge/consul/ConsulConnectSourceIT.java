package io.meshgate.meshbridge.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.meshgate.config.pem.Pem;
import io.meshgate.discovery.consul.ConsulSettings;
import io.meshgate.meshbridge.identity.Denial;
import io.meshgate.meshbridge.identity.IdentitySnapshot;
import io.meshgate.meshbridge.identity.IdentitySource;
import io.meshgate.meshbridge.identity.IdentitySourceContract;
import io.meshgate.meshbridge.identity.ManualClock;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.testkit.ConsulApiDouble;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The identity-source contract and the bridge's behaviour under faults, against {@link
 * ConsulApiDouble}'s Connect CA (real X.509, blocking queries, Consul's error answers), or against
 * the real agent {@code CONSUL_HTTP_ADDR} names ({@code CONSUL_HTTP_TOKEN}, {@code CONSUL_CACERT}
 * ...): then the contract runs there, rotating the CA through {@code PUT
 * /v1/connect/ca/configuration} with a new private key (needs {@code operator:write}), and the
 * fault tests, which need the double's levers, are skipped.
 */
class ConsulConnectSourceIT extends IdentitySourceContract {
  private static final Optional<ConsulSettings> REAL =
      ConsulSettings.fromEnvironment(System.getenv());
  // A name of its own per run: a real agent keeps leaves of earlier runs.
  private static final String GATEWAY =
      REAL.isPresent() ? "meshgate-it-" + Long.toHexString(System.nanoTime()) : "edge-gateway";
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final Duration MIN_INTERVAL = Duration.ofMillis(20);

  private final ManualClock clock = new ManualClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
  private final List<AutoCloseable> opened = new ArrayList<>();
  private ConsulApiDouble consul;

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable closeable : opened) {
      closeable.close();
    }
  }

  // ---- the contract

  @Override
  protected IdentitySource start() {
    if (REAL.isPresent()) {
      return ConsulConnectSource.start(REAL.get(), GATEWAY, Clock.systemUTC(), WAIT, MIN_INTERVAL);
    }
    consul = opened(ConsulApiDouble.builder().clock(clock).start());
    return ConsulConnectSource.start(
        ConsulSettings.at(URI.create(consul.address())), GATEWAY, clock, WAIT, MIN_INTERVAL);
  }

  @Override
  protected SpiffeId idToAskFor(IdentitySource source) {
    if (REAL.isPresent()) {
      ConsulConnectSource bridge = (ConsulConnectSource) source;
      await().atMost(Duration.ofSeconds(30)).until(() -> bridge.id().isPresent());
      return bridge.id().orElseThrow();
    }
    return SpiffeId.parse(consul.leafServiceUri(GATEWAY)).orElseThrow();
  }

  @Override
  protected X509Certificate rotate(IdentitySource source) throws Exception {
    if (REAL.isPresent()) {
      return RealAgentCa.rotate(REAL.get());
    }
    consul.rotateConnectCa();
    return Pem.certificates(consul.activeRootPem(), "new root").get(0);
  }

  @Override
  protected Instant now() {
    return REAL.isPresent() ? Instant.now() : clock.instant();
  }

  // ---- Consul's side of it

  @Test
  void theIdIsConsulsServiceIdAndNoCsrIsSigned() {
    assumeTrue(REAL.isEmpty(), "needs the double's levers");
    // given
    IdentitySource source = started();

    // when
    SpiffeId id = idToAskFor(source);

    // then
    assertThat(id)
        .isEqualTo(SpiffeId.consulService(consul.connectTrustDomain(), "default", "dc1", GATEWAY));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ((ConsulConnectSource) source).id().isPresent());
    assertThat(((ConsulConnectSource) source).id()).contains(id);
    assertThat(source.trustDomain()).contains(consul.connectTrustDomain());
    assertThatThrownBy(() -> source.sign(id, null))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("signs no CSRs");
  }

  @Test
  void aConsulNamespaceGoesWithTheLeafAndTheIntentionQueries() {
    assumeTrue(REAL.isEmpty(), "needs the double's request log");
    // given: a source in Consul namespace team-a (Enterprise; the double ignores it)
    consul = opened(ConsulApiDouble.builder().clock(clock).start());
    IdentitySource source =
        opened(
            ConsulConnectSource.start(
                ConsulSettings.at(URI.create(consul.address())),
                Optional.of("team-a"),
                GATEWAY,
                clock));

    // when: the build names a target, once the source knows Consul's trust domain
    await().atMost(Duration.ofSeconds(10)).until(() -> source.trustDomain().isPresent());
    source.watchTargets(
        Set.of(SpiffeId.consulService(consul.connectTrustDomain(), "team-a", "dc1", "web")));

    // then: both queries carry ns=team-a; the roots, which are the datacenter's, do not
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                consul.requests().stream()
                    .anyMatch(r -> r.uri().startsWith("/v1/connect/intentions/match")));
    assertThat(consul.requests())
        .extracting(ConsulApiDouble.ReceivedRequest::uri)
        .anyMatch(u -> u.startsWith("/v1/agent/connect/ca/leaf/" + GATEWAY + "?ns=team-a"))
        .anyMatch(
            u -> u.startsWith("/v1/connect/intentions/match?by=destination&name=web&ns=team-a"))
        .filteredOn(u -> u.startsWith("/v1/agent/connect/ca/roots"))
        .allMatch(u -> !u.contains("ns="));
  }

  @Test
  void anIntentionThatDeniesTheGatewayATargetIsReportedAndFollowed() {
    assumeTrue(REAL.isEmpty(), "needs the double's levers");
    // given: the gateway's identity, and web as a target the build names
    IdentitySource source = started();
    SpiffeId id = idToAskFor(source);
    awaitIdentity(source, id);
    SpiffeId web = SpiffeId.consulService(consul.connectTrustDomain(), "default", "dc1", "web");
    source.watchTargets(Set.of(web));
    assertThat(source.snapshotFor(Set.of(id)).denials()).isEmpty();

    // when: an intention denies the gateway, another allows everyone
    consul.intention(ConsulApiDouble.WILDCARD, "web", true);
    consul.intention(GATEWAY, "web", false);

    // then: the exact one decides
    Denial denial =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> source.snapshotFor(Set.of(id)).denials(), d -> !d.isEmpty())
            .get(0);
    assertThat(denial.caller()).isEqualTo(id);
    assertThat(denial.target()).isEqualTo(web);
    assertThat(denial.reason())
        .contains("Consul intention " + GATEWAY + " => web (deny)")
        .contains("denies it");

    // when: the deny goes, the wildcard allow decides
    consul.removeIntention(GATEWAY, "web");

    // then
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> source.snapshotFor(Set.of(id)).denials().isEmpty());

    // when: the build no longer names web, a deny for it is not reported
    source.watchTargets(Set.of());
    consul.intention(GATEWAY, "web", false);

    // then: nothing watches web now
    assertThat(source.snapshotFor(Set.of(id)).denials()).isEmpty();
  }

  @Test
  void anAgentOutageKeepsTheLastIdentityAndSaysSinceWhen() {
    assumeTrue(REAL.isEmpty(), "needs the double's levers");
    // given: the gateway's identity, read
    IdentitySource source = started();
    SpiffeId id = idToAskFor(source);
    IdentitySnapshot before = awaitIdentity(source, id);
    AtomicReference<Integer> told = new AtomicReference<>(0);
    source.onChange(() -> told.updateAndGet(n -> n + 1));

    // when: the agent goes away
    Instant down = clock.instant();
    consul.stop();

    // then: the identity stays, and the snapshot says why it may be old and since when
    IdentitySnapshot during =
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> source.snapshotFor(Set.of(id)), s -> s.problem().isPresent());
    assertThat(during.get(id)).isEqualTo(before.get(id));
    assertThat(during.bundle()).isEqualTo(before.bundle());
    assertThat(during.problem().orElseThrow().reason())
        .contains("the Consul agent at " + consul.address())
        .contains("serving the last good one");
    assertThat(during.problem().orElseThrow().since()).isAfterOrEqualTo(down);
    assertThat(told.get()).isPositive();

    // when: the agent is back
    consul.start();

    // then: the problem clears, and the identity is the agent's again
    IdentitySnapshot after =
        await()
            .atMost(Duration.ofSeconds(40))
            .until(() -> source.snapshotFor(Set.of(id)), s -> s.problem().isEmpty());
    assertThat(after.get(id)).isPresent();
  }

  @Test
  void aLeafLeftUnrenewedIsAProblemHoursBeforeItExpires() {
    assumeTrue(REAL.isEmpty(), "needs the double's levers");
    // given
    IdentitySource source = started();
    SpiffeId id = idToAskFor(source);
    IdentitySnapshot fresh = awaitIdentity(source, id);
    assertThat(fresh.problem()).isEmpty();
    Instant notAfter = fresh.get(id).orElseThrow().notAfter();
    Instant warnAt = fresh.get(id).orElseThrow().refreshAt();
    assertThat(Duration.between(warnAt, notAfter)).isGreaterThan(Duration.ofHours(5));

    // when: the agent has not renewed it by then
    clock.set(warnAt);

    // then
    IdentitySnapshot late = source.snapshotFor(Set.of(id));
    assertThat(late.get(id)).isPresent();
    assertThat(late.problem().orElseThrow().reason())
        .contains("expires at " + notAfter)
        .contains("has not renewed it");
    assertThat(late.problem().orElseThrow().since()).isEqualTo(warnAt);

    // when: the agent renews it
    consul.renewLeaf(GATEWAY);

    // then
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> source.snapshotFor(Set.of(id)).problem().isEmpty());
    assertThat(source.snapshotFor(Set.of(id)).get(id).orElseThrow().notAfter()).isAfter(notAfter);
  }

  @Test
  void theTokenIsSentAndAnUnknownOneIsAProblemThatNamesConsulsAnswer() {
    assumeTrue(REAL.isEmpty(), "needs the double's levers");
    // given: an agent with ACLs
    consul = opened(ConsulApiDouble.builder().clock(clock).aclTokens("gateway-token").start());
    URI address = URI.create(consul.address());

    // when
    IdentitySource good =
        opened(
            ConsulConnectSource.start(
                ConsulSettings.at(address).withToken("gateway-token"),
                GATEWAY,
                clock,
                WAIT,
                MIN_INTERVAL));
    IdentitySource wrong =
        opened(
            ConsulConnectSource.start(
                ConsulSettings.at(address).withToken("not-a-token"),
                GATEWAY,
                clock,
                WAIT,
                MIN_INTERVAL));

    // then
    SpiffeId id = idToAskFor(good);
    awaitIdentity(good, id);
    IdentitySnapshot refused =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> wrong.snapshotFor(Set.of(id)), s -> s.problem().isPresent());
    assertThat(refused.identities()).isEmpty();
    assertThat(refused.problem().orElseThrow().reason()).contains("403").contains("ACL not found");
  }

  @Test
  void unusableAnswersAreAProblemAndNeverAnIdentity() {
    assumeTrue(REAL.isEmpty(), "needs the double's levers");
    // given: an agent whose next answers are those of a Consul without Connect
    consul = opened(ConsulApiDouble.builder().clock(clock).start());
    consul.failNext(200, "{\"ActiveRootID\": \"\", \"TrustDomain\": \"\", \"Roots\": []}", 6);

    // when
    IdentitySource source =
        opened(
            ConsulConnectSource.start(
                ConsulSettings.at(URI.create(consul.address())),
                GATEWAY,
                clock,
                WAIT,
                MIN_INTERVAL));

    // then: a problem, and nothing served from those answers
    IdentitySnapshot refused =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> source.snapshotFor(Set.of()), s -> s.problem().isPresent());
    assertThat(refused.problem().orElseThrow().reason()).contains("is unusable");
    assertThat(refused.bundle()).isEmpty();
    assertThat(refused.identities()).isEmpty();

    // and: the agent's good answers are taken once they come
    SpiffeId id = idToAskFor(source);
    IdentitySnapshot served = awaitIdentity(source, id);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> source.snapshotFor(Set.of(id)).problem().isEmpty());
    assertThat(served.bundle()).isPresent();
  }

  // ---- helpers

  private IdentitySource started() {
    IdentitySource source = start();
    opened.add(source);
    return source;
  }

  private <T extends AutoCloseable> T opened(T closeable) {
    opened.add(closeable);
    return closeable;
  }
}
