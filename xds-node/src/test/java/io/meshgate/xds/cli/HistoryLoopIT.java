package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.apply.Applier;
import io.meshgate.config.apply.ApplierSettings;
import io.meshgate.config.apply.Planner;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** history / diff / rollback / apply --atomic against a running applier, real Kafka and etcd. */
class HistoryLoopIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  @TempDir Path dir;
  private Applier applier;
  private Map<String, String> env;
  private final String ns = "h" + UUID.randomUUID().toString().substring(0, 6);

  @BeforeEach
  void startApplier() {
    env = Map.of("MESHGATE_KAFKA", kafka.bootstrapServers(), "MESHGATE_ETCD", etcd.endpointList());
    applier =
        new Applier(
                ApplierSettings.defaults(kafka.bootstrapServers(), "history-it")
                    .withKafkaOverrides(
                        Map.of(
                            ConsumerConfig.GROUP_PROTOCOL_CONFIG,
                            "classic",
                            ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
                            3_000,
                            ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
                            500)),
                etcd.client(),
                new Planner(Clock.systemUTC(), () -> UUID.randomUUID().toString()),
                Applier.Hooks.NONE)
            .start();
  }

  @AfterEach
  void stopApplier() {
    applier.close();
  }

  private CliRun cli(String... args) {
    return CliRun.run(env, dir.resolve("no-config.yaml"), args);
  }

  private String backend(String name, String namespace, String hostname) {
    return "apiVersion: meshgate.io/v1alpha1\nkind: Backend\nmetadata: {name: "
        + name
        + ", namespace: "
        + namespace
        + "}\nspec: {dns: {hostname: "
        + hostname
        + ", port: 443}}\n";
  }

  private CliRun applyWait(String yaml) throws Exception {
    Path file = Files.writeString(dir.resolve(UUID.randomUUID() + ".yaml"), yaml);
    CliRun run = cli("apply", "--wait", "-f", file.toString());
    assertThat(run.exit()).as(run.out() + run.err()).isZero();
    return run;
  }

  @Test
  void historyDiffAndRollbackSpeakOfTheCurrentLife() throws Exception {
    // given: three generations
    applyWait(backend("api", ns, "a.example.com"));
    applyWait(backend("api", ns, "b.example.com"));
    applyWait(backend("api", ns, "c.example.com"));

    // then: history lists them with their events and source
    CliRun history = cli("history", "backend/api", "-n", ns);
    assertThat(history.exit()).isZero();
    assertThat(history.out().lines().skip(1).map(l -> l.split("\\s+")[0]))
        .containsExactly("1", "2", "3");
    assertThat(history.out()).contains("meshgate-cli/");

    // and diff shows what changed, exit 1 when it differs and 0 when it does not
    CliRun diff = cli("diff", "backend/api", "-n", ns, "--from", "1", "--to", "2");
    assertThat(diff.exit()).isEqualTo(1);
    assertThat(diff.out())
        .contains("\n-   hostname: a.example.com\n+   hostname: b.example.com\n")
        .contains("\n    port: 443");
    assertThat(cli("diff", "backend/api", "-n", ns, "--from", "3").exit()).isZero();
    CliRun missing = cli("diff", "backend/api", "-n", ns, "--from", "9");
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("has no kept generation 9 (kept: 1, 2, 3)");

    // when: rolled back to generation 1
    CliRun rollback = cli("rollback", "backend/api", "-n", ns, "--to-generation", "1", "--wait");

    // then: a new generation with generation 1's spec; history grows, never rewritten
    assertThat(rollback.exit()).as(rollback.out() + rollback.err()).isZero();
    assertThat(rollback.out()).contains("Accepted (generation 4)");
    CliRun got = cli("get", "backend/api", "-n", ns, "-o", "json");
    assertThat(got.out()).contains("a.example.com");
    CliRun after = cli("history", "backend/api", "-n", ns);
    assertThat(after.out().lines().skip(1).map(l -> l.split("\\s+")[0]))
        .containsExactly("1", "2", "3", "4");
    assertThat(after.out()).contains("#rollback-to-generation-1");

    // when: deleted and created again, a new life starts at generation 1
    assertThat(cli("delete", "backend/api", "-n", ns, "--wait").exit()).isZero();
    applyWait(backend("api", ns, "d.example.com"));
    CliRun reborn = cli("history", "backend/api", "-n", ns);
    assertThat(reborn.out().lines().skip(1).map(l -> l.split("\\s+")[0])).containsExactly("1");
  }

  @Test
  void applyAtomicPublishesOneChangesetAndRefusesSeveralNamespaces() throws Exception {
    Path together = dir.resolve("together");
    Files.createDirectories(together);
    Files.writeString(together.resolve("a.yaml"), backend("one", ns, "one.example.com"));
    Files.writeString(together.resolve("b.yaml"), backend("two", ns, "two.example.com"));

    // when
    CliRun applied = cli("apply", "--atomic", "--wait", "-f", together.toString());

    // then: one event, both applied under it
    assertThat(applied.exit()).as(applied.out() + applied.err()).isZero();
    assertThat(applied.out())
        .contains("Backend/" + ns + "/one: Accepted (generation 1)")
        .contains("Backend/" + ns + "/two: Accepted (generation 1)");
    var reader =
        new io.meshgate.config.store.StoreReader(etcd.client(), java.time.Duration.ofSeconds(5));
    var one = reader.status(new ResourceKey(Kind.BACKEND, ns, "one")).orElseThrow().lastEvent();
    var two = reader.status(new ResourceKey(Kind.BACKEND, ns, "two")).orElseThrow().lastEvent();
    assertThat(one).isPresent();
    assertThat(one.get().id()).as("one event for both").isEqualTo(two.orElseThrow().id());
    assertThat(applied.out().lines().filter(l -> l.contains("Accepted"))).hasSize(2);

    // when: documents of two namespaces
    Path mixed = dir.resolve("mixed");
    Files.createDirectories(mixed);
    Files.writeString(mixed.resolve("a.yaml"), backend("one", ns, "x.example.com"));
    Files.writeString(mixed.resolve("b.yaml"), backend("one", ns + "x", "x.example.com"));
    CliRun refused = cli("apply", "--atomic", "-f", mixed.toString());

    // then: a usage error naming both, and nothing published
    assertThat(refused.exit()).isEqualTo(2);
    assertThat(refused.err()).contains("2 namespaces: " + ns + ", " + ns + "x");
  }

  @Test
  void applyAtomicRefusesAChangesetTooLargeForOneEtcdTransactionBeforePublishing()
      throws Exception {
    // given: 35 Backends with 10 generations each, applied as changesets (3 operations each)
    Path set = dir.resolve("set");
    Files.createDirectories(set);
    for (int g = 1; g <= 11; g++) {
      for (int i = 0; i < 35; i++) {
        Files.writeString(
            set.resolve("b" + i + ".yaml"), backend("b" + i, ns, "g" + g + ".example.com"));
      }
      CliRun run = cli("apply", "--atomic", "--wait", "-f", set.toString());

      if (g <= 10) {
        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        continue;
      }
      // then: the 11th generation needs a prune per resource: 141 operations, refused by the CLI
      assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(3);
      assertThat(run.out())
          .contains(
              "--atomic: this changeset of 35 resources and 0 deletes needs 141 etcd operations and"
                  + " 71 comparisons in one transaction; etcd allows 128 of each")
          .contains("nothing was published");
    }
    var reader =
        new io.meshgate.config.store.StoreReader(etcd.client(), java.time.Duration.ofSeconds(5));
    var b0 = reader.resource(new ResourceKey(Kind.BACKEND, ns, "b0")).orElseThrow();
    assertThat(b0.metadata().generation()).as("nothing of the 11th published").isEqualTo(10);
    assertThat(reader.status(new ResourceKey(Kind.BACKEND, ns, "b0")).orElseThrow().events())
        .hasSize(10);
  }
}
