package io.meshgate.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.testkit.HashicorpApiClient.Answer;
import io.meshgate.testkit.NomadApiDouble.Registration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NomadApiDoubleTest {
  private final HashicorpApiClient client = new HashicorpApiClient("X-Nomad-Index");
  private final List<NomadApiDouble> started = new ArrayList<>();

  @AfterEach
  void stopDoubles() {
    started.forEach(NomadApiDouble::close);
  }

  @Test
  void readServiceAnswersRegistrationsInNomadsShapeWithItsHeaders() {
    // given
    NomadApiDouble nomad = track(NomadApiDouble.create());
    nomad.register(
        new Registration(
            "_nomad-task-a1-web-http",
            "web",
            "default",
            "node-1",
            "dc2",
            "shop",
            "a1",
            List.of("http", "v2"),
            "10.0.0.1",
            21000));

    // when
    Answer answer = get(nomad, "/v1/service/web");

    // then
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(answer.index()).isGreaterThanOrEqualTo(1);
    assertThat(answer.headers().firstValue("X-Nomad-KnownLeader")).hasValue("true");
    assertThat(answer.headers().firstValue("X-Nomad-LastContact")).hasValue("0");
    JsonNode registration = answer.body().get(0);
    assertThat(registration.get("ID").asText()).isEqualTo("_nomad-task-a1-web-http");
    assertThat(registration.get("ServiceName").asText()).isEqualTo("web");
    assertThat(registration.get("Namespace").asText()).isEqualTo("default");
    assertThat(registration.get("NodeID").asText()).isEqualTo("node-1");
    assertThat(registration.get("Datacenter").asText()).isEqualTo("dc2");
    assertThat(registration.get("JobID").asText()).isEqualTo("shop");
    assertThat(registration.get("AllocID").asText()).isEqualTo("a1");
    assertThat(registration.get("Tags")).hasSize(2);
    assertThat(registration.get("Address").asText()).isEqualTo("10.0.0.1");
    assertThat(registration.get("Port").asInt()).isEqualTo(21000);
    assertThat(registration.get("CreateIndex").asLong()).isEqualTo(answer.index());
    assertThat(registration.get("ModifyIndex").asLong()).isEqualTo(answer.index());
  }

  @Test
  void anUnknownServiceIsAnEmptyArrayWithAnIndexOfAtLeastOne() {
    NomadApiDouble nomad = track(NomadApiDouble.create());

    Answer answer = get(nomad, "/v1/service/nothing");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).isEmpty();
    assertThat(answer.index()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void namespaceSelectsRegistrationsAndDefaultsToDefault() {
    // given
    NomadApiDouble nomad = track(NomadApiDouble.create());
    nomad.register(Registration.of("web", "web-1", "10.0.0.1", 80));
    nomad.register(Registration.of("web", "web-2", "10.0.0.2", 80).withNamespace("shop"));

    // then
    assertThat(ids(get(nomad, "/v1/service/web"))).containsExactly("web-1");
    assertThat(ids(get(nomad, "/v1/service/web?namespace=default"))).containsExactly("web-1");
    assertThat(ids(get(nomad, "/v1/service/web?namespace=shop"))).containsExactly("web-2");
    assertThat(ids(get(nomad, "/v1/service/web?namespace=other"))).isEmpty();
  }

  @Test
  void aTagParameterIsNotDocumentedAndSoIgnored() {
    // given
    NomadApiDouble nomad = track(NomadApiDouble.create());
    nomad.register(Registration.of("web", "web-1", "10.0.0.1", 80).withTags("blue"));
    nomad.register(Registration.of("web", "web-2", "10.0.0.2", 80).withTags("green"));

    // then every registration comes back; clients filter by tag themselves
    assertThat(ids(get(nomad, "/v1/service/web?tag=blue"))).containsExactly("web-1", "web-2");
  }

  @Test
  void blockingQueryHoldsUntilTheServiceChangesAndReturnsTheNewIndex() {
    // given
    NomadApiDouble nomad = track(NomadApiDouble.create());
    nomad.register(Registration.of("web", "web-1", "10.0.0.1", 80));
    Answer first = get(nomad, "/v1/service/web");

    // when
    CompletableFuture<Answer> blocked =
        getAsync(nomad, "/v1/service/web?index=" + first.index() + "&wait=30s");

    // then it holds while nothing changes, and while another service changes
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !blocked.isDone());
    nomad.register(Registration.of("db", "db-1", "10.0.0.9", 5432));
    nomad.register(Registration.of("web", "web-x", "10.0.0.8", 80).withNamespace("shop"));
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !blocked.isDone());

    // when this service changes
    nomad.register(Registration.of("web", "web-2", "10.0.0.2", 80));

    // then
    Answer changed = blocked.orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(changed.index()).isGreaterThan(first.index());
    assertThat(ids(changed)).containsExactly("web-1", "web-2");
  }

  @Test
  void deregisterWakesWaitingQueriesAndReRegistrationKeepsCreateIndex() {
    // given
    NomadApiDouble nomad = track(NomadApiDouble.create());
    nomad.register(Registration.of("web", "web-1", "10.0.0.1", 80));
    nomad.register(Registration.of("web", "web-2", "10.0.0.2", 80));
    long index = get(nomad, "/v1/service/web").index();
    List<CompletableFuture<Answer>> blocked = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      blocked.add(getAsync(nomad, "/v1/service/web?index=" + index + "&wait=1m"));
    }
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(5))
        .until(() -> blocked.stream().noneMatch(CompletableFuture::isDone));

    // when
    nomad.deregister("web-2");

    // then all wake with the smaller set
    for (CompletableFuture<Answer> query : blocked) {
      Answer answer = query.orTimeout(10, TimeUnit.SECONDS).join();
      assertThat(answer.index()).isGreaterThan(index);
      assertThat(ids(answer)).containsExactly("web-1");
    }

    // when an existing registration is written again
    long created = get(nomad, "/v1/service/web").body().get(0).get("CreateIndex").asLong();
    nomad.register(Registration.of("web", "web-1", "10.0.0.7", 80));
    JsonNode after = get(nomad, "/v1/service/web").body().get(0);
    assertThat(after.get("CreateIndex").asLong()).isEqualTo(created);
    assertThat(after.get("ModifyIndex").asLong()).isGreaterThan(created);
    assertThatThrownBy(() -> nomad.deregister("web-2"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("web-2");
  }

  @Test
  void blockingQueryAnswersAfterWaitWithTheSameIndexWhenNothingChanges() {
    // given
    NomadApiDouble nomad = track(NomadApiDouble.create());
    nomad.register(Registration.of("web", "web-1", "10.0.0.1", 80));
    long index = get(nomad, "/v1/service/web").index();

    // when
    long before = System.nanoTime();
    Answer answer = get(nomad, "/v1/service/web?index=" + index + "&wait=1s");

    // then it held for the wait (a lower bound only; the jitter may add up to wait/16)
    assertThat(Duration.ofNanos(System.nanoTime() - before))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.index()).isEqualTo(index);
    assertThat(ids(answer)).containsExactly("web-1");
  }

  @Test
  void resetIndexAnswersWaitingQueriesAtOnceWithALowerIndex() {
    // given
    NomadApiDouble nomad = track(NomadApiDouble.create());
    for (int i = 0; i < 10; i++) {
      nomad.register(Registration.of("web", "web-" + i, "10.0.0." + i, 80));
    }
    long high = get(nomad, "/v1/service/web").index();
    CompletableFuture<Answer> blocked =
        getAsync(nomad, "/v1/service/web?index=" + high + "&wait=5m");
    await()
        .during(Duration.ofMillis(200))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !blocked.isDone());

    // when
    nomad.resetIndex(3);

    // then
    Answer answer = blocked.orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(answer.index()).isLessThan(high).isGreaterThanOrEqualTo(1);
    assertThat(ids(answer)).hasSize(10);
    assertThat(nomad.raftIndex()).isEqualTo(3);
  }

  @Test
  void aclsTakeXNomadTokenOrBearerAndRefuseUnknownAndAnonymousRequests() {
    // given
    NomadApiDouble nomad = track(NomadApiDouble.builder().aclTokens("s3cret").start());
    nomad.register(Registration.of("web", "web-1", "10.0.0.1", 80));
    URI uri = URI.create(nomad.address() + "/v1/service/web");

    // then
    Answer withHeader = send(HttpRequest.newBuilder(uri).header("X-Nomad-Token", "s3cret"));
    assertThat(ids(withHeader)).containsExactly("web-1");
    Answer withBearer = send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer s3cret"));
    assertThat(ids(withBearer)).containsExactly("web-1");
    Answer unknown = send(HttpRequest.newBuilder(uri).header("X-Nomad-Token", "wrong"));
    assertThat(unknown.status()).isEqualTo(403);
    assertThat(unknown.text()).isEqualTo("ACL token not found");
    Answer anonymous = send(HttpRequest.newBuilder(uri));
    assertThat(anonymous.status()).isEqualTo(403);
    assertThat(anonymous.text()).isEqualTo("Permission denied");
    assertThat(nomad.requests())
        .extracting(NomadApiDouble.ReceivedRequest::token)
        .contains("s3cret");
  }

  @Test
  void malformedIndexOrWaitIsRefusedWith400() {
    NomadApiDouble nomad = track(NomadApiDouble.create());

    Answer badIndex = get(nomad, "/v1/service/web?index=-1");
    Answer notANumber = get(nomad, "/v1/service/web?index=abc");
    Answer badWait = get(nomad, "/v1/service/web?index=1&wait=10");
    Answer goodWait = get(nomad, "/v1/service/web?index=0&wait=1m30s");

    assertThat(badIndex.status()).isEqualTo(400);
    assertThat(badIndex.text()).isEqualTo("Invalid index");
    assertThat(notANumber.status()).isEqualTo(400);
    assertThat(badWait.status()).isEqualTo(400);
    assertThat(badWait.text()).isEqualTo("Invalid wait time");
    assertThat(goodWait.status()).isEqualTo(200);
  }

  @Test
  void regionIsTheDoublesOwnOrNone() {
    NomadApiDouble nomad = track(NomadApiDouble.builder().region("europe").start());

    assertThat(get(nomad, "/v1/service/web?region=europe").status()).isEqualTo(200);
    Answer elsewhere = get(nomad, "/v1/service/web?region=asia");

    assertThat(elsewhere.status()).isEqualTo(500);
    assertThat(elsewhere.text()).isEqualTo("No path to region");
  }

  @Test
  void otherPathsAre404() {
    NomadApiDouble nomad = track(NomadApiDouble.create());

    assertThat(get(nomad, "/v1/services").status()).isEqualTo(404);
    assertThat(get(nomad, "/v1/service/").status()).isEqualTo(404);
  }

  @Test
  void failNextAnswersTheGivenFailureThatManyTimesAndRequestsAreCounted() {
    // given
    NomadApiDouble nomad = track(NomadApiDouble.create());
    nomad.failNext(500, "No cluster leader", 2);

    // then
    Answer first = get(nomad, "/v1/service/web");
    assertThat(first.status()).isEqualTo(500);
    assertThat(first.text()).isEqualTo("No cluster leader");
    assertThat(get(nomad, "/v1/service/web").status()).isEqualTo(500);
    assertThat(get(nomad, "/v1/service/web").status()).isEqualTo(200);
    assertThat(nomad.requestCount()).isEqualTo(3);
  }

  @Test
  void slowDelaysEveryAnswer() {
    // given
    NomadApiDouble nomad = track(NomadApiDouble.create());
    nomad.slow(Duration.ofMillis(500));

    // when
    long before = System.nanoTime();
    Answer answer = get(nomad, "/v1/service/web");

    // then
    assertThat(Duration.ofNanos(System.nanoTime() - before))
        .isGreaterThanOrEqualTo(Duration.ofMillis(500));
    assertThat(answer.status()).isEqualTo(200);
  }

  @Test
  void stopCutsWaitingQueriesAndRefusesConnectionsThenStartServesTheSamePort() {
    // given
    NomadApiDouble nomad = track(NomadApiDouble.create());
    nomad.register(Registration.of("web", "web-1", "10.0.0.1", 80));
    String address = nomad.address();
    long index = get(nomad, "/v1/service/web").index();
    CompletableFuture<Answer> blocked =
        getAsync(nomad, "/v1/service/web?index=" + index + "&wait=5m");
    await()
        .during(Duration.ofMillis(200))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !blocked.isDone());

    // when
    nomad.stop();

    // then the waiting query fails (not hangs) and new connections are refused
    assertThatThrownBy(() -> blocked.orTimeout(10, TimeUnit.SECONDS).join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(IOException.class);
    assertThatThrownBy(() -> get(nomad, "/v1/service/web"))
        .isInstanceOf(UncheckedIOException.class);

    // when
    nomad.start();

    // then
    assertThat(nomad.address()).isEqualTo(address);
    assertThat(ids(get(nomad, "/v1/service/web"))).containsExactly("web-1");
  }

  private NomadApiDouble track(NomadApiDouble nomad) {
    started.add(nomad);
    return nomad;
  }

  private Answer get(NomadApiDouble nomad, String pathAndQuery) {
    return client.get(nomad.address(), pathAndQuery);
  }

  private CompletableFuture<Answer> getAsync(NomadApiDouble nomad, String pathAndQuery) {
    return client.getAsync(nomad.address(), pathAndQuery);
  }

  private Answer send(HttpRequest.Builder request) {
    return client.send(request);
  }

  private static List<String> ids(Answer answer) {
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    answer.body().forEach(registration -> ids.add(registration.get("ID").asText()));
    return ids;
  }
}
