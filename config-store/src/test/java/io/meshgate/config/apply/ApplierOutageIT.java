package io.meshgate.config.apply;

import static io.meshgate.config.apply.ApplierFixture.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.model.ApplierStatus;
import io.meshgate.config.model.EventRecord;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.embedded.EtcdMember;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Outages of etcd and Kafka during a stream of events: nothing is lost, nothing is doubled. */
class ApplierOutageIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.embedded();
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.local(3);

  private ApplierFixture fixture;

  @BeforeEach
  void setUp() {
    fixture = new ApplierFixture(kafka, etcd.newClient());
  }

  @AfterEach
  void tearDown() {
    fixture.close();
    etcd.members().forEach(EtcdMember::start);
    etcd.members().forEach(m -> m.awaitHealthy(Duration.ofSeconds(30)));
  }

  @Test
  void aKilledEtcdMemberAndABrokerRestartMidStreamLoseNothing() {
    // given
    fixture.start("a");
    Map<ResourceKey, List<String>> ids = new HashMap<>();

    // when: 30 updates over 3 resources; the etcd leader is killed after 10, the broker restarted
    // after 20
    for (int i = 1; i <= 30; i++) {
      if (i == 11) {
        etcd.leader().kill();
      }
      if (i == 21) {
        kafka.stop();
        kafka.start();
      }
      String name = "r" + (i % 3);
      ConfigEvent event =
          fixture.publish(
              fixture.encoder.applied(
                  backend(fixture.ns, name, "u" + i + ".example.com"), OptionalLong.empty()));
      ids.computeIfAbsent(new ResourceKey(Kind.BACKEND, fixture.ns, name), k -> new ArrayList<>())
          .add(event.id());
    }

    // then: each resource saw its 10 updates once each, in order
    ids.forEach(
        (key, expected) -> {
          ApplierStatus status =
              awaitEvent(key, expected.get(expected.size() - 1), Duration.ofSeconds(60));
          assertThat(status.events())
              .extracting(EventRecord::id)
              .as(key.toString())
              .containsExactlyElementsOf(expected);
          assertThat(fixture.reader.resource(key).orElseThrow().metadata().generation())
              .isEqualTo(10);
        });
  }

  @Test
  void withEtcdDownTheApplierPausesAndResumesByItself() {
    // given: the applier has applied one event
    java.util.concurrent.atomic.AtomicInteger pauses =
        new java.util.concurrent.atomic.AtomicInteger();
    Applier applier =
        fixture.start(
            "a",
            new Applier.Hooks() {
              @Override
              public void paused() {
                pauses.incrementAndGet();
              }
            });
    ResourceKey key = new ResourceKey(Kind.BACKEND, fixture.ns, "api");
    ConfigEvent first =
        fixture.publish(
            fixture.encoder.applied(
                backend(fixture.ns, "api", "first.example.com"), OptionalLong.empty()));
    awaitEvent(key, first.id(), Duration.ofSeconds(30));

    // when: every etcd member is down while five more events are published
    etcd.members().forEach(EtcdMember::stop);
    List<String> ids = new ArrayList<>();
    ids.add(first.id());
    for (int i = 1; i <= 5; i++) {
      ids.add(
          fixture
              .publish(
                  fixture.encoder.applied(
                      backend(fixture.ns, "api", "down" + i + ".example.com"),
                      OptionalLong.empty()))
              .id());
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> pauses.get() > 0);
    etcd.members().forEach(EtcdMember::start);

    // then: it resumed by itself and applied each once, in order
    ApplierStatus status = awaitEvent(key, ids.get(5), Duration.ofSeconds(90));
    assertThat(applier.isRunning()).isTrue();
    assertThat(status.events()).extracting(EventRecord::id).containsExactlyElementsOf(ids);
    assertThat(fixture.reader.resource(key).orElseThrow().metadata().generation()).isEqualTo(6);
  }

  private ApplierStatus awaitEvent(ResourceKey key, String id, Duration timeout) {
    return await()
        .atMost(timeout)
        .ignoreExceptions()
        .until(
            () -> fixture.reader.status(key).filter(s -> s.hasEvent(id)).orElse(null),
            s -> s != null);
  }
}
