package io.meshgate.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.testkit.ConsulApiDouble.CheckStatus;
import io.meshgate.testkit.ConsulApiDouble.Instance;
import io.meshgate.testkit.HashicorpApiClient.Answer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ConsulApiDoubleTest {
  private final HashicorpApiClient client = new HashicorpApiClient("X-Consul-Index");
  private final List<ConsulApiDouble> started = new ArrayList<>();

  @AfterEach
  void stopDoubles() {
    started.forEach(ConsulApiDouble::close);
  }

  @Test
  void blockingQueryHoldsUntilTheServiceChangesAndReturnsTheNewIndex() {
    // given
    ConsulApiDouble consul = track(ConsulApiDouble.create());
    consul.register("dc1", Instance.of("web", "web-1", "node-a", "10.0.0.1", 8080));
    Answer first = get(consul, "/v1/health/service/web");
    assertThat(first.status()).isEqualTo(200);

    // when
    CompletableFuture<Answer> blocked =
        getAsync(consul, "/v1/health/service/web?index=" + first.index() + "&wait=30s");

    // then it holds while nothing changes
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !blocked.isDone());

    // when an unrelated service changes, it still holds
    consul.register("dc1", Instance.of("db", "db-1", "node-a", "10.0.0.1", 5432));
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !blocked.isDone());

    // when this service changes
    consul.register("dc1", Instance.of("web", "web-2", "node-b", "10.0.0.2", 8080));

    // then it answers with the new data and a greater index
    Answer changed = blocked.orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(changed.index()).isGreaterThan(first.index());
    assertThat(changed.body()).hasSize(2);
    assertThat(changed.body().get(1).at("/Service/ID").asText()).isEqualTo("web-2");
  }

  @Test
  void manyBlockingQueriesWaitAtOnceAndAllWakeOnOneChange() {
    // given
    ConsulApiDouble consul = track(ConsulApiDouble.create());
    consul.register("dc1", Instance.of("web", "web-1", "node-a", "10.0.0.1", 8080));
    long index = get(consul, "/v1/health/service/web").index();
    List<CompletableFuture<Answer>> blocked = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      blocked.add(getAsync(consul, "/v1/health/service/web?index=" + index + "&wait=1m"));
    }
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(5))
        .until(() -> blocked.stream().noneMatch(CompletableFuture::isDone));

    // when
    consul.setCheckStatus("dc1", "web-1", CheckStatus.WARNING);

    // then
    for (CompletableFuture<Answer> query : blocked) {
      Answer answer = query.orTimeout(10, TimeUnit.SECONDS).join();
      assertThat(answer.index()).isGreaterThan(index);
      assertThat(answer.body().at("/0/Checks/1/Status").asText()).isEqualTo("warning");
    }
  }

  @Test
  void builtWithMoreHandlerThreadsItHoldsAQueryPerServiceAndAChangeAnswersOnlyItsService() {
    // given: more services watched at once than the default pool can hold, and one query for a
    // service the datacenter has never seen (its index is the datacenter's)
    int services = ConsulApiDouble.HANDLER_THREADS + 36;
    ConsulApiDouble consul = track(ConsulApiDouble.builder().handlerThreads(services + 8).start());
    for (int s = 0; s < services; s++) {
      consul.register("dc1", Instance.of("svc-" + s, "svc-" + s, "node-a", "10.0.0.1", 8080));
    }
    long index = consul.raftIndex();
    List<CompletableFuture<Answer>> blocked = new ArrayList<>();
    for (int s = 0; s < services; s++) {
      blocked.add(getAsync(consul, "/v1/health/service/svc-" + s + "?index=" + index + "&wait=1m"));
    }
    CompletableFuture<Answer> unseen =
        getAsync(consul, "/v1/health/service/unseen?index=" + index + "&wait=1m");
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(5))
        .until(() -> blocked.stream().noneMatch(CompletableFuture::isDone) && !unseen.isDone());

    // when the last service's check fails
    consul.setCheckStatus("dc1", "svc-" + (services - 1), CheckStatus.CRITICAL);

    // then its query answers (it had a thread of its own), and so does the one for the unseen
    // service, whose index moved with the datacenter's; the other services' queries still hold
    Answer changed = blocked.get(services - 1).orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(changed.index()).isGreaterThan(index);
    assertThat(changed.body().at("/0/Checks/1/Status").asText()).isEqualTo("critical");
    Answer empty = unseen.orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(empty.index()).isEqualTo(changed.index());
    assertThat(empty.body()).isEmpty();
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> blocked.subList(0, services - 1).stream().noneMatch(CompletableFuture::isDone));
  }

  @Test
  void anIdempotentWriteMovesTheIndexWithoutChangingTheData() {
    // given
    ConsulApiDouble consul = track(ConsulApiDouble.create());
    consul.register("dc1", Instance.of("web", "web-1", "node-a", "10.0.0.1", 8080));
    Answer before = get(consul, "/v1/health/service/web");
    CompletableFuture<Answer> blocked =
        getAsync(consul, "/v1/health/service/web?index=" + before.index() + "&wait=1m");

    // when
    consul.touch("dc1", "web");

    // then
    Answer after = blocked.orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(after.index()).isGreaterThan(before.index());
    assertThat(after.body()).isEqualTo(before.body());
  }

  @Test
  void blockingQueryAnswersAfterWaitWithTheSameIndexWhenNothingChanges() {
    // given
    ConsulApiDouble consul = track(ConsulApiDouble.create());
    consul.register("dc1", Instance.of("web", "web-1", "node-a", "10.0.0.1", 8080));
    long index = get(consul, "/v1/health/service/web").index();

    // when
    long before = System.nanoTime();
    Answer answer = get(consul, "/v1/health/service/web?index=" + index + "&wait=1s");

    // then it held for the wait (a lower bound only; the jitter may add up to wait/16)
    assertThat(Duration.ofNanos(System.nanoTime() - before))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.index()).isEqualTo(index);
    assertThat(answer.body()).hasSize(1);
  }

  @Test
  void answersCarryConsulsHeadersAndEntryShape() {
    // given
    ConsulApiDouble consul = track(ConsulApiDouble.create());
    consul.register(
        "dc1",
        new Instance(
            "node-a",
            "10.0.0.1",
            Map.of("zone", "a"),
            "web-1",
            "web",
            "",
            8080,
            List.of("v1"),
            Map.of("version", "1.2"),
            CheckStatus.PASSING));

    // when
    Answer answer = get(consul, "/v1/health/service/web");

    // then
    assertThat(answer.headers().firstValue("X-Consul-KnownLeader")).hasValue("true");
    assertThat(answer.headers().firstValue("X-Consul-LastContact")).hasValue("0");
    assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(answer.index()).isGreaterThanOrEqualTo(1);
    JsonNode entry = answer.body().get(0);
    assertThat(entry.at("/Node/Node").asText()).isEqualTo("node-a");
    assertThat(entry.at("/Node/Address").asText()).isEqualTo("10.0.0.1");
    assertThat(entry.at("/Node/Datacenter").asText()).isEqualTo("dc1");
    assertThat(entry.at("/Node/Meta/zone").asText()).isEqualTo("a");
    assertThat(entry.at("/Service/Address").asText()).as("empty: use the node's").isEmpty();
    assertThat(entry.at("/Service/Port").asInt()).isEqualTo(8080);
    assertThat(entry.at("/Service/Tags/0").asText()).isEqualTo("v1");
    assertThat(entry.at("/Service/Meta/version").asText()).isEqualTo("1.2");
    assertThat(entry.at("/Service/Weights/Passing").asInt()).isEqualTo(1);
    assertThat(entry.at("/Service/Weights/Warning").asInt()).isEqualTo(1);
    assertThat(checkIds(entry)).containsExactly("serfHealth", "service:web-1");
  }

  @Test
  void emptyResultOfAnUnknownServiceStillCarriesAnIndexOfAtLeastOne() {
    ConsulApiDouble consul = track(ConsulApiDouble.create());

    Answer answer = get(consul, "/v1/health/service/nothing");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).isEmpty();
    assertThat(answer.index()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void tagFilterNeedsEveryTagAndPassingDropsWarningAndCritical() {
    // given
    ConsulApiDouble consul = track(ConsulApiDouble.create());
    consul.register("dc1", Instance.of("web", "web-1", "n1", "10.0.0.1", 80).withTags("v1", "eu"));
    consul.register("dc1", Instance.of("web", "web-2", "n2", "10.0.0.2", 80).withTags("v1"));
    consul.register(
        "dc1",
        Instance.of("web", "web-3", "n3", "10.0.0.3", 80)
            .withTags("v1", "eu")
            .withCheckStatus(CheckStatus.WARNING));
    consul.register("dc1", Instance.of("web", "web-4", "n4", "10.0.0.4", 80));
    consul.setCheckStatus("dc1", "web-4", CheckStatus.CRITICAL);

    // when / then
    assertThat(ids(get(consul, "/v1/health/service/web?tag=v1&tag=eu")))
        .containsExactly("web-1", "web-3");
    assertThat(ids(get(consul, "/v1/health/service/web?passing")))
        .containsExactly("web-1", "web-2");
    assertThat(ids(get(consul, "/v1/health/service/web?passing=false")))
        .containsExactly("web-1", "web-2", "web-3", "web-4");
    assertThat(ids(get(consul, "/v1/health/service/web?tag=v1&tag=eu&passing=true")))
        .containsExactly("web-1");
    assertThat(get(consul, "/v1/health/service/web").body().get(3).at("/Checks/1/Status").asText())
        .isEqualTo("critical");
  }

  @Test
  void instancesAnswerOnlyTheirDatacenterAndAnUnknownOneIs500() {
    // given
    ConsulApiDouble consul =
        track(ConsulApiDouble.builder().localDatacenter("east").remoteDatacenters("west").start());
    consul.register("east", Instance.of("web", "web-e", "n1", "10.0.0.1", 80));
    consul.register("west", Instance.of("web", "web-w", "n2", "10.1.0.1", 80));

    // when / then
    assertThat(ids(get(consul, "/v1/health/service/web"))).containsExactly("web-e");
    assertThat(ids(get(consul, "/v1/health/service/web?dc=east"))).containsExactly("web-e");
    assertThat(ids(get(consul, "/v1/health/service/web?dc=west"))).containsExactly("web-w");
    Answer unknown = get(consul, "/v1/health/service/web?dc=north");
    assertThat(unknown.status()).isEqualTo(500);
    assertThat(unknown.text()).isEqualTo("No path to datacenter");
    assertThatThrownBy(() -> consul.register("north", Instance.of("web", "x", "n", "1.1.1.1", 1)))
        .hasMessageContaining("dc: north");
  }

  @Test
  void withAclsAnUnknownTokenIs403AndNoTokenSeesAnEmptyList() {
    // given
    ConsulApiDouble consul = track(ConsulApiDouble.builder().aclTokens("s3cret").start());
    consul.register("dc1", Instance.of("web", "web-1", "n1", "10.0.0.1", 80));
    URI uri = URI.create(consul.address() + "/v1/health/service/web");

    // when / then: a token Consul does not know fails token resolution
    Answer unknown = send(HttpRequest.newBuilder(uri).header("X-Consul-Token", "guess"));
    assertThat(unknown.status()).isEqualTo(403);
    assertThat(unknown.text()).isEqualTo("ACL not found");

    // no token is the anonymous token: health results are filtered, not refused
    Answer anonymous = send(HttpRequest.newBuilder(uri));
    assertThat(anonymous.status()).isEqualTo(200);
    assertThat(anonymous.body()).isEmpty();
    assertThat(anonymous.headers().firstValue("X-Consul-Results-Filtered-By-ACLs")).isEmpty();

    // a known token, by either documented header
    assertThat(ids(send(HttpRequest.newBuilder(uri).header("X-Consul-Token", "s3cret"))))
        .containsExactly("web-1");
    assertThat(ids(send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer s3cret"))))
        .containsExactly("web-1");
  }

  @Test
  void maintenanceShowsACriticalMaintenanceCheck() {
    // given
    ConsulApiDouble consul = track(ConsulApiDouble.create());
    consul.register("dc1", Instance.of("web", "web-1", "n1", "10.0.0.1", 80));
    consul.register("dc1", Instance.of("web", "web-2", "n2", "10.0.0.2", 80));
    long before = get(consul, "/v1/health/service/web").index();

    // when
    consul.maintenance("dc1", "web-1");
    consul.nodeMaintenance("dc1", "n2");

    // then
    Answer answer = get(consul, "/v1/health/service/web");
    assertThat(answer.index()).isGreaterThan(before);
    assertThat(checkIds(answer.body().get(0)))
        .containsExactly("serfHealth", "service:web-1", "_service_maintenance:web-1");
    assertThat(answer.body().get(0).at("/Checks/2/Status").asText()).isEqualTo("critical");
    assertThat(answer.body().get(0).at("/Checks/2/ServiceID").asText()).isEqualTo("web-1");
    assertThat(checkIds(answer.body().get(1)))
        .containsExactly("serfHealth", "_node_maintenance", "service:web-2");
    assertThat(answer.body().get(1).at("/Checks/1/Status").asText()).isEqualTo("critical");
    assertThat(get(consul, "/v1/health/service/web?passing").body()).isEmpty();

    // when maintenance ends
    consul.endMaintenance("dc1", "web-1");
    consul.endNodeMaintenance("dc1", "n2");

    // then
    assertThat(ids(get(consul, "/v1/health/service/web?passing")))
        .containsExactly("web-1", "web-2");
  }

  @Test
  void indexResetWakesBlockedQueriesWithALowerIndex() {
    // given
    ConsulApiDouble consul = track(ConsulApiDouble.create());
    for (int i = 0; i < 20; i++) {
      consul.register("dc1", Instance.of("web", "web-" + i, "n" + i, "10.0.0." + i, 80));
    }
    long high = get(consul, "/v1/health/service/web").index();
    CompletableFuture<Answer> blocked =
        getAsync(consul, "/v1/health/service/web?index=" + high + "&wait=30s");
    await()
        .during(Duration.ofMillis(200))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !blocked.isDone());

    // when
    consul.resetIndex(3);

    // then
    Answer answer = blocked.orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(answer.index()).isLessThan(high).isLessThanOrEqualTo(3);
    assertThat(get(consul, "/v1/health/service/web?index=0").index()).isEqualTo(answer.index());
  }

  @Test
  void failNextAnswersTheGivenFailureThatManyTimes() {
    // given
    ConsulApiDouble consul = track(ConsulApiDouble.create());
    consul.register("dc1", Instance.of("web", "web-1", "n1", "10.0.0.1", 80));

    // when
    consul.failNext(503, "rpc error: No cluster leader", 2);

    // then
    Answer one = get(consul, "/v1/health/service/web");
    Answer two = get(consul, "/v1/health/service/web");
    Answer three = get(consul, "/v1/health/service/web");
    assertThat(List.of(one.status(), two.status(), three.status())).containsExactly(503, 503, 200);
    assertThat(one.text()).isEqualTo("rpc error: No cluster leader");
    assertThat(consul.requestCount()).isEqualTo(3);
    assertThat(consul.requests()).hasSize(3);
    assertThat(consul.requests().get(0).uri()).isEqualTo("/v1/health/service/web");
  }

  @Test
  void stopMakesRequestsFailAndStartComesBackOnTheSamePortWithTheSameCatalog() {
    // given
    ConsulApiDouble consul = track(ConsulApiDouble.create());
    consul.register("dc1", Instance.of("web", "web-1", "n1", "10.0.0.1", 80));
    String address = consul.address();
    long index = get(consul, "/v1/health/service/web").index();
    CompletableFuture<Answer> blocked =
        getAsync(consul, "/v1/health/service/web?index=" + index + "&wait=5m");
    await()
        .during(Duration.ofMillis(200))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !blocked.isDone());

    // when
    consul.stop();

    // then the query in flight is cut and new ones are refused, both quickly
    assertThatThrownBy(() -> blocked.orTimeout(10, TimeUnit.SECONDS).join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(IOException.class);
    assertThatThrownBy(() -> get(consul, "/v1/health/service/web"))
        .hasCauseInstanceOf(IOException.class);

    // when
    consul.start();

    // then
    assertThat(consul.address()).isEqualTo(address);
    Answer answer = get(consul, "/v1/health/service/web");
    assertThat(ids(answer)).containsExactly("web-1");
    assertThat(answer.index()).isEqualTo(index);
  }

  @Test
  void malformedIndexOrWaitIs400AndUnknownParametersAreIgnored() {
    // given
    ConsulApiDouble consul = track(ConsulApiDouble.create());
    consul.register("dc1", Instance.of("web", "web-1", "n1", "10.0.0.1", 80));

    // when / then
    Answer badIndex = get(consul, "/v1/health/service/web?index=-1");
    assertThat(badIndex.status()).isEqualTo(400);
    assertThat(badIndex.text()).isEqualTo("Invalid index");
    Answer badWait = get(consul, "/v1/health/service/web?index=1&wait=10");
    assertThat(badWait.status()).isEqualTo(400);
    assertThat(badWait.text()).isEqualTo("Invalid wait time");
    assertThat(ids(get(consul, "/v1/health/service/web?stale&near=_agent&whatever=1")))
        .containsExactly("web-1");
    assertThat(get(consul, "/v1/health/service/web?index=0&wait=1m30s").status()).isEqualTo(200);
    assertThat(get(consul, "/v1/catalog/services").status()).isEqualTo(404);
  }

  @Test
  void slowDelaysEveryAnswer() {
    // given
    ConsulApiDouble consul = track(ConsulApiDouble.create());
    consul.slow(Duration.ofMillis(300));

    // when
    long before = System.nanoTime();
    Answer answer = get(consul, "/v1/health/service/web");

    // then
    assertThat(answer.status()).isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - before))
        .isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  void goDurationsParseLikeGo() {
    assertThat(HashicorpApiServer.GoDuration.parse("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(HashicorpApiServer.GoDuration.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(HashicorpApiServer.GoDuration.parse("1.5h")).isEqualTo(Duration.ofMinutes(90));
    assertThat(HashicorpApiServer.GoDuration.parse("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(HashicorpApiServer.GoDuration.parse("0")).isEqualTo(Duration.ZERO);
    assertThat(HashicorpApiServer.GoDuration.parse("10")).isNull();
    assertThat(HashicorpApiServer.GoDuration.parse("5 m")).isNull();
    assertThat(HashicorpApiServer.GoDuration.parse("")).isNull();
  }

  // ---- agent write endpoints ------------------------------------------------------------------

  @Test
  void aServiceRegisteredOverHttpAnswersWithItsFieldsOnTheAgentsNode() {
    // given
    ConsulApiDouble consul = track(ConsulApiDouble.create());
    long before = consul.raftIndex();

    // when
    Answer registered =
        put(
            consul,
            "/v1/agent/service/register",
            """
            {"ID": "web-1", "Name": "web", "Tags": ["v1", "eu"], "Address": "10.0.0.1",
             "Port": 8080, "Meta": {"version": "1.2"}, "Weights": {"Passing": 3, "Warning": 2},
             "Check": {"TTL": "30s", "Status": "passing"}}
            """);

    // then
    assertThat(registered.status()).as(registered.text()).isEqualTo(200);
    assertThat(consul.raftIndex()).isGreaterThan(before);
    Answer answer = get(consul, "/v1/health/service/web?passing");
    assertThat(ids(answer)).containsExactly("web-1");
    JsonNode entry = answer.body().get(0);
    assertThat(entry.at("/Node/Node").asText()).isEqualTo(ConsulApiDouble.AGENT_NODE);
    assertThat(entry.at("/Node/Datacenter").asText()).isEqualTo("dc1");
    assertThat(entry.at("/Service/Service").asText()).isEqualTo("web");
    assertThat(entry.at("/Service/Address").asText()).isEqualTo("10.0.0.1");
    assertThat(entry.at("/Service/Port").asInt()).isEqualTo(8080);
    assertThat(entry.at("/Service/Tags").toString()).isEqualTo("[\"v1\",\"eu\"]");
    assertThat(entry.at("/Service/Meta/version").asText()).isEqualTo("1.2");
    assertThat(entry.at("/Service/Weights/Passing").asInt()).isEqualTo(3);
    assertThat(entry.at("/Service/Weights/Warning").asInt()).isEqualTo(2);
    assertThat(checkIds(entry)).containsExactly("serfHealth", "service:web-1");
    assertThat(entry.at("/Checks/1/Status").asText()).isEqualTo("passing");
  }

  @Test
  void ttlCheckEndpointsSetTheStatusAndWakeABlockingQuery() {
    // given a TTL check that starts critical, as a new check does
    ConsulApiDouble consul = track(ConsulApiDouble.create());
    put(consul, "/v1/agent/service/register", "{\"Name\": \"web\", \"Check\": {\"TTL\": \"1m\"}}");
    Answer first = get(consul, "/v1/health/service/web");
    assertThat(first.body().at("/0/Service/ID").asText())
        .as("ID defaults to Name")
        .isEqualTo("web");
    assertThat(first.body().at("/0/Checks/1/Status").asText()).isEqualTo("critical");
    CompletableFuture<Answer> blocked =
        getAsync(consul, "/v1/health/service/web?index=" + first.index() + "&wait=30s");

    // when
    assertThat(put(consul, "/v1/agent/check/pass/service:web?note=ok", "").status()).isEqualTo(200);

    // then
    Answer passed = blocked.orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(passed.index()).isGreaterThan(first.index());
    assertThat(passed.body().at("/0/Checks/1/Status").asText()).isEqualTo("passing");

    assertThat(put(consul, "/v1/agent/check/warn/service:web", "").status()).isEqualTo(200);
    assertThat(status(consul)).isEqualTo("warning");
    assertThat(put(consul, "/v1/agent/check/fail/service:web", "").status()).isEqualTo(200);
    assertThat(status(consul)).isEqualTo("critical");
    Answer updated = put(consul, "/v1/agent/check/update/service:web", "{\"Status\": \"passing\"}");
    assertThat(updated.status()).as(updated.text()).isEqualTo(200);
    assertThat(status(consul)).isEqualTo("passing");

    // the status it already has is no write
    long index = consul.raftIndex();
    put(consul, "/v1/agent/check/pass/service:web", "");
    assertThat(consul.raftIndex()).isEqualTo(index);

    Answer unknown = put(consul, "/v1/agent/check/pass/service:nope", "");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.text()).isEqualTo("Unknown check ID \"service:nope\"");
    Answer badStatus = put(consul, "/v1/agent/check/update/service:web", "{\"Status\": \"ok\"}");
    assertThat(badStatus.status()).isEqualTo(400);
  }

  @Test
  void checksGetPositionalIdsAndSnakeCaseKeysAreRead() {
    ConsulApiDouble consul = track(ConsulApiDouble.create());

    Answer registered =
        put(
            consul,
            "/v1/agent/service/register",
            """
            {"name": "db", "id": "db-1", "port": 5432,
             "check": {"ttl": "10s", "status": "passing"},
             "checks": [{"TTL": "10s", "Status": "warning"}, {"check_id": "db-disk", "ttl": "10s"}]}
            """);

    assertThat(registered.status()).as(registered.text()).isEqualTo(200);
    JsonNode entry = get(consul, "/v1/health/service/db").body().get(0);
    assertThat(checkIds(entry))
        .containsExactly("serfHealth", "service:db-1:1", "service:db-1:2", "db-disk");
    assertThat(entry.at("/Service/Port").asInt()).isEqualTo(5432);
    assertThat(ids(get(consul, "/v1/health/service/db?passing"))).isEmpty();
  }

  @Test
  void maintenanceOverHttpAddsACriticalCheckWithTheReasonAndTakesItAway() {
    // given
    ConsulApiDouble consul = track(ConsulApiDouble.create());
    put(
        consul,
        "/v1/agent/service/register",
        "{\"ID\": \"web-1\", \"Name\": \"web\", \"Check\": {\"TTL\": \"1m\", \"Status\": \"passing\"}}");
    long before = consul.raftIndex();

    // when
    Answer on =
        put(consul, "/v1/agent/service/maintenance/web-1?enable=true&reason=For+the+docs", "");

    // then
    assertThat(on.status()).as(on.text()).isEqualTo(200);
    assertThat(consul.raftIndex()).isGreaterThan(before);
    JsonNode entry = get(consul, "/v1/health/service/web").body().get(0);
    assertThat(checkIds(entry))
        .containsExactly("serfHealth", "service:web-1", "_service_maintenance:web-1");
    assertThat(entry.at("/Checks/2/Status").asText()).isEqualTo("critical");
    assertThat(entry.at("/Checks/2/Notes").asText()).isEqualTo("For the docs");
    assertThat(ids(get(consul, "/v1/health/service/web?passing"))).isEmpty();

    // idempotent
    long index = consul.raftIndex();
    put(consul, "/v1/agent/service/maintenance/web-1?enable=true", "");
    assertThat(consul.raftIndex()).isEqualTo(index);

    // when it ends
    assertThat(put(consul, "/v1/agent/service/maintenance/web-1?enable=false", "").status())
        .isEqualTo(200);
    assertThat(ids(get(consul, "/v1/health/service/web?passing"))).containsExactly("web-1");

    assertThat(put(consul, "/v1/agent/service/maintenance/web-1", "").text())
        .isEqualTo("Missing value for enable");
    assertThat(put(consul, "/v1/agent/service/maintenance/web-1?enable=maybe", "").status())
        .isEqualTo(400);
    assertThat(put(consul, "/v1/agent/service/maintenance/nope?enable=true", "").status())
        .isEqualTo(404);
  }

  @Test
  void deregisterOverHttpRemovesTheInstanceAndAnUnknownIdIsNoAction() {
    // given
    ConsulApiDouble consul = track(ConsulApiDouble.create());
    put(consul, "/v1/agent/service/register", "{\"ID\": \"web-1\", \"Name\": \"web\"}");
    assertThat(ids(get(consul, "/v1/health/service/web"))).containsExactly("web-1");
    long before = consul.raftIndex();

    // when
    Answer removed = put(consul, "/v1/agent/service/deregister/web-1", "");

    // then
    assertThat(removed.status()).isEqualTo(200);
    assertThat(consul.raftIndex()).isGreaterThan(before);
    assertThat(ids(get(consul, "/v1/health/service/web"))).isEmpty();

    long index = consul.raftIndex();
    assertThat(put(consul, "/v1/agent/service/deregister/web-1", "").status()).isEqualTo(200);
    assertThat(consul.raftIndex()).isEqualTo(index);
  }

  @Test
  void withAclsAgentWritesNeedAKnownToken() {
    ConsulApiDouble consul = track(ConsulApiDouble.builder().aclTokens("secret").start());
    String body = "{\"ID\": \"web-1\", \"Name\": \"web\"}";

    Answer anonymous = put(consul, "/v1/agent/service/register", body);
    assertThat(anonymous.status()).isEqualTo(403);
    assertThat(anonymous.text()).isEqualTo("Permission denied");

    Answer unknown =
        send(
            HttpRequest.newBuilder(URI.create(consul.address() + "/v1/agent/service/register"))
                .header("X-Consul-Token", "guess")
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
    assertThat(unknown.status()).isEqualTo(403);
    assertThat(unknown.text()).isEqualTo("ACL not found");
    assertThat(consul.requests()).isNotEmpty();

    Answer known =
        send(
            HttpRequest.newBuilder(URI.create(consul.address() + "/v1/agent/service/register"))
                .header("X-Consul-Token", "secret")
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
    assertThat(known.status()).isEqualTo(200);
    assertThat(ids(get(consul, "/v1/health/service/web?token=secret"))).containsExactly("web-1");
  }

  @Test
  void malformedRegistrationsAre400AndOtherMethodsThanPutAre405() {
    ConsulApiDouble consul = track(ConsulApiDouble.create());

    assertThat(put(consul, "/v1/agent/service/register", "{\"Port\": 80}").text())
        .isEqualTo("Missing service name");
    Answer notJson = put(consul, "/v1/agent/service/register", "{\"Name\": ");
    assertThat(notJson.status()).isEqualTo(400);
    assertThat(notJson.text()).startsWith("Request decode failed");
    Answer httpCheck =
        put(
            consul,
            "/v1/agent/service/register",
            "{\"Name\": \"web\", \"Check\": {\"HTTP\": \"http://x/\", \"Interval\": \"10s\"}}");
    assertThat(httpCheck.status()).isEqualTo(400);
    assertThat(
            put(consul, "/v1/agent/service/register", "{\"Name\": \"w\", \"Port\": 70000}")
                .status())
        .isEqualTo(400);
    assertThat(get(consul, "/v1/agent/service/register").status()).isEqualTo(405);
    assertThat(put(consul, "/v1/agent/service/nothing", "").status()).isEqualTo(404);
    assertThat(ids(get(consul, "/v1/health/service/web"))).isEmpty();
  }

  // ---- helpers --------------------------------------------------------------------------------

  private ConsulApiDouble track(ConsulApiDouble consul) {
    started.add(consul);
    return consul;
  }

  private Answer get(ConsulApiDouble consul, String pathAndQuery) {
    return client.get(consul.address(), pathAndQuery);
  }

  private CompletableFuture<Answer> getAsync(ConsulApiDouble consul, String pathAndQuery) {
    return client.getAsync(consul.address(), pathAndQuery);
  }

  private Answer send(HttpRequest.Builder request) {
    return client.send(request);
  }

  private Answer put(ConsulApiDouble consul, String pathAndQuery, String body) {
    return client.put(consul.address(), pathAndQuery, body);
  }

  /** The status of the first instance's own check (after serfHealth) of service web. */
  private String status(ConsulApiDouble consul) {
    return get(consul, "/v1/health/service/web").body().at("/0/Checks/1/Status").asText();
  }

  private static List<String> ids(Answer answer) {
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    answer.body().forEach(entry -> ids.add(entry.at("/Service/ID").asText()));
    return ids;
  }

  private static List<String> checkIds(JsonNode entry) {
    List<String> ids = new ArrayList<>();
    entry.get("Checks").forEach(check -> ids.add(check.get("CheckID").asText()));
    return ids;
  }
}
