package io.meshgate.discovery.nomad;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshgate.config.model.NomadSource;
import io.meshgate.discovery.BlockingQuery;
import io.meshgate.discovery.DiscoveredEndpoint;
import io.meshgate.discovery.EndpointHealth;
import io.meshgate.testkit.NomadApiDouble;
import io.meshgate.testkit.NomadApiDouble.Registration;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** NomadClient against testkit's NomadApiDouble, which follows Nomad's documented service API. */
class NomadClientTest {
  private NomadApiDouble nomad;

  @AfterEach
  void stop() {
    if (nomad != null) {
      nomad.close();
    }
  }

  private NomadClient client() {
    return NomadClient.of(NomadSettings.at(URI.create(nomad.address())));
  }

  private static NomadSource source(String service, String... tags) {
    return new NomadSource(service, null, List.of(tags), null);
  }

  /** A source that reads the results of Nomad's service checks. */
  private static NomadSource withChecks(String service) {
    return new NomadSource(service, null, List.of(), true);
  }

  private static Map<String, EndpointHealth> health(NomadClient client, NomadSource source)
      throws Exception {
    Map<String, EndpointHealth> health = new TreeMap<>();
    client
        .service(source, 0, Duration.ofSeconds(5))
        .value()
        .forEach(e -> health.put(e.address(), e.health()));
    return health;
  }

  private long checkReads() {
    return nomad.requests().stream().filter(r -> r.uri().contains("/checks")).count();
  }

  @Test
  void withChecksAFailingOrPendingCheckOfTheServiceMakesItsInstanceUnhealthy() throws Exception {
    // given: three allocations of web, with a passing, a failing and a pending check
    nomad = NomadApiDouble.create();
    nomad.register(Registration.of("web", "web-1", "10.0.0.1", 80));
    nomad.register(Registration.of("web", "web-2", "10.0.0.2", 80));
    nomad.register(Registration.of("web", "web-3", "10.0.0.3", 80));
    nomad.setCheck("alloc-web-1", "web", "alive", "success");
    nomad.setCheck("alloc-web-2", "web", "alive", "success");
    nomad.setCheck("alloc-web-2", "web", "ready", "failure");
    nomad.setCheck("alloc-web-3", "web", "alive", "pending");
    NomadClient client = client();

    // then
    assertThat(health(client, withChecks("web")))
        .containsExactly(
            Map.entry("10.0.0.1", EndpointHealth.HEALTHY),
            Map.entry("10.0.0.2", EndpointHealth.UNHEALTHY),
            Map.entry("10.0.0.3", EndpointHealth.UNHEALTHY));

    // when: the checks pass again
    nomad.setCheck("alloc-web-2", "web", "ready", "success");
    nomad.setCheck("alloc-web-3", "web", "alive", "success");

    // then
    assertThat(health(client, withChecks("web")))
        .containsOnly(
            Map.entry("10.0.0.1", EndpointHealth.HEALTHY),
            Map.entry("10.0.0.2", EndpointHealth.HEALTHY),
            Map.entry("10.0.0.3", EndpointHealth.HEALTHY));
  }

  @Test
  void onlyTheChecksOfTheWatchedServiceCountAndWithoutChecksNothingIsAsked() throws Exception {
    // given: one allocation registering web and admin; admin's check fails
    nomad = NomadApiDouble.create();
    Registration web = Registration.of("web", "web-1", "10.0.0.1", 80);
    nomad.register(web);
    nomad.register(
        new Registration(
            "admin-1",
            "admin",
            "default",
            web.nodeId(),
            "dc1",
            web.jobId(),
            web.allocId(),
            List.of(),
            "10.0.0.1",
            81));
    nomad.setCheck(web.allocId(), "web", "alive", "success");
    nomad.setCheck(web.allocId(), "admin", "alive", "failure");
    NomadClient client = client();

    // then: web is healthy, admin is not
    assertThat(health(client, withChecks("web")))
        .containsExactly(Map.entry("10.0.0.1", EndpointHealth.HEALTHY));
    assertThat(health(client, withChecks("admin")))
        .containsExactly(Map.entry("10.0.0.1", EndpointHealth.UNHEALTHY));

    // and a source without checks sends no check request and sees every instance healthy
    long reads = checkReads();
    assertThat(health(client, source("admin")))
        .containsExactly(Map.entry("10.0.0.1", EndpointHealth.HEALTHY));
    assertThat(checkReads()).isEqualTo(reads);
  }

  @Test
  void checksAreReadOncePerAllocationWithTheTokenAndRegion() throws Exception {
    // given: two registrations of web in one allocation (two ports), one in another
    nomad = NomadApiDouble.builder().aclTokens("s3cret").region("europe").start();
    Registration first = Registration.of("web", "web-1", "10.0.0.1", 80);
    nomad.register(first);
    nomad.register(
        new Registration(
            "web-1b",
            "web",
            "default",
            first.nodeId(),
            "dc1",
            first.jobId(),
            first.allocId(),
            List.of(),
            "10.0.0.1",
            8080));
    nomad.register(Registration.of("web", "web-2", "10.0.0.2", 80));
    nomad.setCheck(first.allocId(), "web", "alive", "failure");
    NomadClient client =
        NomadClient.of(
            NomadSettings.at(URI.create(nomad.address())).withToken("s3cret").withRegion("europe"));

    // when
    List<DiscoveredEndpoint> found =
        client.service(withChecks("web"), 0, Duration.ofSeconds(5)).value();

    // then: both registrations of the failing allocation are unhealthy
    assertThat(found)
        .extracting(e -> e.address() + ":" + e.port() + " " + e.health())
        .containsExactly("10.0.0.1:80 UNHEALTHY", "10.0.0.1:8080 UNHEALTHY", "10.0.0.2:80 HEALTHY");
    // and one request per allocation, with the token and the region
    assertThat(nomad.requests())
        .filteredOn(r -> r.uri().contains("/checks"))
        .extracting(r -> r.uri().replaceAll("\\?.*", ""))
        .containsExactlyInAnyOrder(
            "/v1/client/allocation/alloc-web-1/checks", "/v1/client/allocation/alloc-web-2/checks");
    assertThat(nomad.requests())
        .filteredOn(r -> r.uri().contains("/checks"))
        .allSatisfy(
            r -> {
              assertThat(r.token()).isEqualTo("s3cret");
              assertThat(r.uri()).contains("region=europe");
            });
  }

  @Test
  void aChecksReadThatFailsKeepsTheInstanceWithTheHealthLastRead() throws Exception {
    // given: web-1's check failing, web-2's passing, both read once
    nomad = NomadApiDouble.create();
    nomad.register(Registration.of("web", "web-1", "10.0.0.1", 80));
    nomad.register(Registration.of("web", "web-2", "10.0.0.2", 80));
    nomad.setCheck("alloc-web-1", "web", "alive", "failure");
    nomad.setCheck("alloc-web-2", "web", "alive", "success");
    NomadClient client = client();
    assertThat(health(client, withChecks("web")))
        .containsExactly(
            Map.entry("10.0.0.1", EndpointHealth.UNHEALTHY),
            Map.entry("10.0.0.2", EndpointHealth.HEALTHY));

    // when: the checks change but cannot be read (the client node is away)
    nomad.setCheck("alloc-web-1", "web", "alive", "success");
    nomad.setCheck("alloc-web-2", "web", "alive", "failure");
    nomad.failChecks("alloc-web-1", 500, "rpc error: No path to node");
    nomad.failChecks("alloc-web-2", 500, "rpc error: No path to node");

    // then: both are kept, with the health last read
    assertThat(health(client, withChecks("web")))
        .containsExactly(
            Map.entry("10.0.0.1", EndpointHealth.UNHEALTHY),
            Map.entry("10.0.0.2", EndpointHealth.HEALTHY));

    // and a new allocation whose checks were never read is healthy
    nomad.register(Registration.of("web", "web-3", "10.0.0.3", 80));
    nomad.setCheck("alloc-web-3", "web", "alive", "failure");
    nomad.failChecks("alloc-web-3", 403, "Permission denied");
    assertThat(health(client, withChecks("web"))).containsEntry("10.0.0.3", EndpointHealth.HEALTHY);

    // when: they answer again, the checks count
    nomad.answerChecks("alloc-web-1");
    nomad.answerChecks("alloc-web-2");
    nomad.answerChecks("alloc-web-3");
    assertThat(health(client, withChecks("web")))
        .containsExactly(
            Map.entry("10.0.0.1", EndpointHealth.HEALTHY),
            Map.entry("10.0.0.2", EndpointHealth.UNHEALTHY),
            Map.entry("10.0.0.3", EndpointHealth.UNHEALTHY));
  }

  @Test
  void aChecksReadThatTakesTooLongIsCutOffAndTheInstanceKept() throws Exception {
    // given: checks read once, failing; then the check passes
    nomad = NomadApiDouble.create();
    nomad.register(Registration.of("web", "web-1", "10.0.0.1", 80));
    nomad.setCheck("alloc-web-1", "web", "alive", "failure");
    NomadClient client = client();
    assertThat(health(client, withChecks("web")))
        .containsExactly(Map.entry("10.0.0.1", EndpointHealth.UNHEALTHY));
    nomad.setCheck("alloc-web-1", "web", "alive", "success");

    // when: every answer takes 3 s, longer than a check read may take
    nomad.slow(Duration.ofSeconds(3));
    List<DiscoveredEndpoint> found =
        client.service(withChecks("web"), 0, Duration.ofSeconds(5)).value();

    // then: the read was cut off and the instance kept with the health last read, not the
    // passing check the slow answer would have carried
    assertThat(found)
        .extracting(DiscoveredEndpoint::health)
        .containsExactly(EndpointHealth.UNHEALTHY);
  }

  @Test
  void withChecksABlockingQueryIsHeldAtMostTheCheckInterval() throws Exception {
    nomad = NomadApiDouble.create();
    nomad.register(Registration.of("web", "web-1", "10.0.0.1", 80));
    NomadClient client = client();
    long index = client.service(withChecks("web"), 0, Duration.ofSeconds(5)).index();

    // when: asked to block for five minutes
    CompletableFuture<BlockingQuery.Answer<List<DiscoveredEndpoint>>> blocked =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return client.service(withChecks("web"), index, Duration.ofMinutes(5));
              } catch (Exception e) {
                throw new CompletionException(e);
              }
            });

    // then: Nomad is asked to hold it 10 s, since a check's status moves no index
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                nomad.requests().stream()
                    .anyMatch(
                        r -> r.uri().startsWith("/v1/service/") && r.uri().contains("index=")));
    assertThat(nomad.requests())
        .filteredOn(r -> r.uri().startsWith("/v1/service/") && r.uri().contains("index="))
        .singleElement()
        .satisfies(r -> assertThat(r.uri()).contains("wait=10s"));
    nomad.register(Registration.of("web", "web-2", "10.0.0.2", 80));
    assertThat(blocked.orTimeout(10, TimeUnit.SECONDS).join().value()).hasSize(2);
  }

  @Test
  void aRegistrationBecomesAHealthyEndpointInItsDatacenter() throws Exception {
    // given
    nomad = NomadApiDouble.create();
    nomad.register(Registration.of("web", "web-1", "10.0.0.1", 21000).withDatacenter("dc2"));

    // when
    BlockingQuery.Answer<List<DiscoveredEndpoint>> answer =
        client().service(source("web"), 0, Duration.ofSeconds(5));

    // then
    assertThat(answer.index()).isGreaterThanOrEqualTo(1);
    assertThat(answer.value())
        .containsExactly(
            new DiscoveredEndpoint(
                "10.0.0.1", 21000, 1, "", "dc2", "nomad/dc2", EndpointHealth.HEALTHY));
  }

  @Test
  void onlyInstancesWithEveryTagOfTheBackendAreKept() throws Exception {
    // given
    nomad = NomadApiDouble.create();
    nomad.register(Registration.of("web", "web-1", "10.0.0.1", 80).withTags("http", "blue"));
    nomad.register(Registration.of("web", "web-2", "10.0.0.2", 80).withTags("http"));
    nomad.register(Registration.of("web", "web-3", "10.0.0.3", 80));

    // then
    assertThat(client().service(source("web", "http", "blue"), 0, Duration.ofSeconds(5)).value())
        .extracting(DiscoveredEndpoint::address)
        .containsExactly("10.0.0.1");
    assertThat(client().service(source("web", "http"), 0, Duration.ofSeconds(5)).value())
        .extracting(DiscoveredEndpoint::address)
        .containsExactly("10.0.0.1", "10.0.0.2");
    assertThat(client().service(source("web"), 0, Duration.ofSeconds(5)).value()).hasSize(3);
  }

  @Test
  void aRegistrationsTagsBecomeItsMetadata() throws Exception {
    // given
    nomad = NomadApiDouble.create();
    nomad.register(Registration.of("web", "web-1", "10.0.0.1", 80).withTags("http", "blue"));
    nomad.register(Registration.of("web", "web-2", "10.0.0.2", 80));

    // when
    List<DiscoveredEndpoint> found =
        client().service(source("web"), 0, Duration.ofSeconds(5)).value();

    // then: each tag as tag.<tag>, sorted; no tags, no metadata
    assertThat(found)
        .extracting(DiscoveredEndpoint::metadata)
        .containsExactly(Map.of("tag.blue", "true", "tag.http", "true"), Map.of());
  }

  @Test
  void theBackendsNamespaceWinsElseTheSettingsOne() throws Exception {
    // given
    nomad = NomadApiDouble.create();
    nomad.register(Registration.of("web", "web-1", "10.0.0.1", 80));
    nomad.register(Registration.of("web", "web-2", "10.0.0.2", 80).withNamespace("shop"));
    nomad.register(Registration.of("web", "web-3", "10.0.0.3", 80).withNamespace("ops"));
    NomadClient opsByDefault =
        NomadClient.of(NomadSettings.at(URI.create(nomad.address())).withNamespace("ops"));

    // then
    assertThat(client().service(source("web"), 0, Duration.ofSeconds(5)).value())
        .extracting(DiscoveredEndpoint::address)
        .containsExactly("10.0.0.1");
    assertThat(
            client()
                .service(new NomadSource("web", "shop", List.of(), null), 0, Duration.ofSeconds(5))
                .value())
        .extracting(DiscoveredEndpoint::address)
        .containsExactly("10.0.0.2");
    assertThat(opsByDefault.service(source("web"), 0, Duration.ofSeconds(5)).value())
        .extracting(DiscoveredEndpoint::address)
        .containsExactly("10.0.0.3");
    assertThat(nomad.requests())
        .last()
        .satisfies(r -> assertThat(r.uri()).contains("namespace=ops"));
  }

  @Test
  void aBadOrMissingTokenIsA403CarryingNomadsMessage() throws Exception {
    // given
    nomad = NomadApiDouble.builder().aclTokens("s3cret").start();
    nomad.register(Registration.of("web", "web-1", "10.0.0.1", 80));
    NomadSettings settings = NomadSettings.at(URI.create(nomad.address()));

    // then
    assertThatThrownBy(
            () ->
                NomadClient.of(settings.withToken("wrong"))
                    .service(source("web"), 0, Duration.ofSeconds(5)))
        .isInstanceOfSatisfying(
            NomadClient.NomadException.class,
            e -> {
              assertThat(e.status()).isEqualTo(403);
              assertThat(e.reason()).isEqualTo("ACL token not found");
            });
    assertThatThrownBy(
            () -> NomadClient.of(settings).service(source("web"), 0, Duration.ofSeconds(5)))
        .isInstanceOfSatisfying(
            NomadClient.NomadException.class,
            e -> {
              assertThat(e.status()).isEqualTo(403);
              assertThat(e.reason()).isEqualTo("Permission denied");
            });
    assertThat(
            NomadClient.of(settings.withToken("s3cret"))
                .service(source("web"), 0, Duration.ofSeconds(5))
                .value())
        .hasSize(1);
    assertThat(nomad.requests()).last().satisfies(r -> assertThat(r.token()).isEqualTo("s3cret"));
  }

  @Test
  void anotherFailureCarriesItsStatusAndBody() {
    nomad = NomadApiDouble.create();
    nomad.failNext(500, "No cluster leader", 1);

    assertThatThrownBy(() -> client().service(source("web"), 0, Duration.ofSeconds(5)))
        .isInstanceOf(NomadClient.NomadException.class)
        .hasMessage("Nomad answered 500: No cluster leader");
  }

  @Test
  void theRegionIsSentWhenSet() throws Exception {
    nomad = NomadApiDouble.builder().region("europe").start();
    NomadSettings settings = NomadSettings.at(URI.create(nomad.address()));

    assertThat(
            NomadClient.of(settings.withRegion("europe"))
                .service(source("web"), 0, Duration.ofSeconds(5))
                .value())
        .isEmpty();
    assertThatThrownBy(
            () ->
                NomadClient.of(settings.withRegion("asia"))
                    .service(source("web"), 0, Duration.ofSeconds(5)))
        .isInstanceOfSatisfying(
            NomadClient.NomadException.class, e -> assertThat(e.status()).isEqualTo(500));
  }

  @Test
  void aBlockingQueryReturnsWhenTheServiceChanges() throws Exception {
    // given
    nomad = NomadApiDouble.create();
    nomad.register(Registration.of("web", "web-1", "10.0.0.1", 80));
    NomadClient client = client();
    long index = client.service(source("web"), 0, Duration.ofSeconds(5)).index();

    // when
    CompletableFuture<BlockingQuery.Answer<List<DiscoveredEndpoint>>> blocked =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return client.service(source("web"), index, Duration.ofSeconds(30));
              } catch (Exception e) {
                throw new CompletionException(e);
              }
            });
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !blocked.isDone());
    nomad.register(Registration.of("web", "web-2", "10.0.0.2", 80));

    // then
    BlockingQuery.Answer<List<DiscoveredEndpoint>> answer =
        blocked.orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(answer.index()).isGreaterThan(index);
    assertThat(answer.value()).extracting(DiscoveredEndpoint::address).contains("10.0.0.2");
  }

  @Test
  void aBlockingQueryLoopFollowsRegistrationsAndDeregistrations() {
    // given
    nomad = NomadApiDouble.create();
    nomad.register(Registration.of("web", "web-1", "10.0.0.1", 80));
    NomadClient client = client();
    AtomicReference<List<DiscoveredEndpoint>> seen = new AtomicReference<>(List.of());

    // when
    try (BlockingQuery<List<DiscoveredEndpoint>> query =
        BlockingQuery.start(
            "nomad/web",
            (index, wait) -> client.service(source("web"), index, wait),
            BlockingQuery.onChange(seen::set),
            Duration.ofSeconds(30),
            Duration.ofMillis(10),
            Duration.ofSeconds(1))) {
      // then
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> addresses(seen).equals(List.of("10.0.0.1")));
      nomad.register(Registration.of("web", "web-2", "10.0.0.2", 80));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> addresses(seen).equals(List.of("10.0.0.1", "10.0.0.2")));
      nomad.deregister("web-1");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> addresses(seen).equals(List.of("10.0.0.2")));
      nomad.resetIndex(1);
      nomad.register(Registration.of("web", "web-3", "10.0.0.3", 80));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> addresses(seen).equals(List.of("10.0.0.2", "10.0.0.3")));
    }
  }

  private static List<String> addresses(AtomicReference<List<DiscoveredEndpoint>> seen) {
    return seen.get().stream().map(DiscoveredEndpoint::address).sorted().toList();
  }

  @Test
  void settingsComeFromTheEnvironmentOnlyWhenNomadAddrIsSet() {
    assertThat(NomadSettings.fromEnvironment(Map.of("NOMAD_TOKEN", "t"))).isEmpty();

    NomadSettings settings =
        NomadSettings.fromEnvironment(
                Map.of(
                    "NOMAD_ADDR", "https://nomad.internal:4646",
                    "NOMAD_TOKEN", "very-secret",
                    "NOMAD_CACERT", "/etc/nomad/ca.pem",
                    "NOMAD_CLIENT_CERT", "/etc/nomad/cli.pem",
                    "NOMAD_CLIENT_KEY", "/etc/nomad/cli-key.pem",
                    "NOMAD_REGION", "europe",
                    "NOMAD_NAMESPACE", "shop"))
            .orElseThrow();

    assertThat(settings.address()).isEqualTo(URI.create("https://nomad.internal:4646"));
    assertThat(settings.token()).hasValue("very-secret");
    assertThat(settings.caCertificate()).hasValue(Path.of("/etc/nomad/ca.pem"));
    assertThat(settings.clientCertificate()).hasValue(Path.of("/etc/nomad/cli.pem"));
    assertThat(settings.clientKey()).hasValue(Path.of("/etc/nomad/cli-key.pem"));
    assertThat(settings.region()).hasValue("europe");
    assertThat(settings.namespace()).isEqualTo("shop");
    assertThat(settings.toString()).doesNotContain("very-secret").contains("token set");

    NomadSettings bare =
        NomadSettings.fromEnvironment(Map.of("NOMAD_ADDR", "127.0.0.1:4646")).orElseThrow();
    assertThat(bare.address()).isEqualTo(URI.create("http://127.0.0.1:4646"));
    assertThat(bare.token()).isEmpty();
    assertThat(bare.region()).isEqualTo(Optional.empty());
    assertThat(bare.namespace()).isEqualTo("default");
  }
}
