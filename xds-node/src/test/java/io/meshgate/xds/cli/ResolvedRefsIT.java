package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshgate.config.model.Condition;
import io.meshgate.config.model.ConditionStatus;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.StoreReader;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import io.meshgate.xds.node.NodeSettings;
import io.meshgate.xds.node.XdsNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * ResolvedRefs end to end: resources published with the CLI, applied and translated by a replica,
 * the condition written by the elected status leader, shown by {@code meshgate status}.
 */
class ResolvedRefsIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  private static XdsNode node;
  @TempDir Path dir;
  private final String ns = "r" + UUID.randomUUID().toString().substring(0, 6);

  @BeforeAll
  static void startReplica() {
    node =
        XdsNode.start(
            NodeSettings.builder(kafka.bootstrapServers(), etcd.endpointList(), "status-it")
                .anyLoopbackPorts()
                .build());
  }

  @AfterAll
  static void stopReplica() {
    node.close();
  }

  private CliRun cli(String... args) {
    return CliRun.run(
        Map.of("MESHGATE_KAFKA", kafka.bootstrapServers(), "MESHGATE_ETCD", etcd.endpointList()),
        dir.resolve("no-config.yaml"),
        args);
  }

  private Path file(String name, String yaml) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, yaml.replace("NS", ns));
    return file;
  }

  private Optional<Condition> resolvedRefs(ResourceKey key) {
    return new StoreReader(etcd.client(), Duration.ofSeconds(5))
        .conditions(key).stream().filter(c -> c.type().equals("ResolvedRefs")).findFirst();
  }

  @Test
  void aRouteToAMissingBackendIsFalseUntilTheBackendExists() throws Exception {
    ResourceKey route = new ResourceKey(Kind.HTTP_ROUTE, ns, "shop");
    await().atMost(Duration.ofSeconds(15)).until(node::leadsStatus);

    // when: a route to a Backend that does not exist
    CliRun applied =
        cli(
            "apply",
            "--wait",
            "-f",
            file(
                    "route.yaml",
                    """
                    apiVersion: gateway.networking.k8s.io/v1
                    kind: HTTPRoute
                    metadata: {name: shop, namespace: NS}
                    spec:
                      parentRefs: [{group: meshgate.io, kind: Backend, name: front}]
                      rules: [{backendRefs: [{name: cart}]}]
                    ---
                    apiVersion: meshgate.io/v1alpha1
                    kind: Backend
                    metadata: {name: front, namespace: NS}
                    spec: {static: {endpoints: [{address: 10.0.0.1, port: 8080}]}}
                    """)
                .toString());
    assertThat(applied.exit()).as(applied.out() + applied.err()).isZero();

    // then: ResolvedRefs=False, naming the Backend, with the route's generation
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () -> resolvedRefs(route).filter(c -> c.status() == ConditionStatus.FALSE).isPresent());
    Condition missing = resolvedRefs(route).orElseThrow();
    assertThat(missing.reason()).isEqualTo("BackendNotFound");
    assertThat(missing.message()).contains("backend 'cart' not found in namespace " + ns);
    assertThat(missing.observedGeneration()).isEqualTo(1);
    CliRun status = cli("status", "httproute/shop", "-n", ns);
    assertThat(status.out()).contains("ResolvedRefs").contains("BackendNotFound").contains("cart");

    // when: the Backend is created
    CliRun created =
        cli(
            "apply",
            "--wait",
            "-f",
            file(
                    "cart.yaml",
                    """
                    apiVersion: meshgate.io/v1alpha1
                    kind: Backend
                    metadata: {name: cart, namespace: NS}
                    spec: {static: {endpoints: [{address: 10.0.0.2, port: 8080}]}}
                    """)
                .toString());
    assertThat(created.exit()).isZero();

    // then: True again, and the Backend has its own condition
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () -> resolvedRefs(route).filter(c -> c.status() == ConditionStatus.TRUE).isPresent());
    assertThat(resolvedRefs(new ResourceKey(Kind.BACKEND, ns, "cart")))
        .map(Condition::status)
        .contains(ConditionStatus.TRUE);
    assertThat(List.of(cli("status", "httproute/shop", "-n", ns).out()))
        .allMatch(out -> out.contains("ResolvedRefs") && out.contains("True"));
  }

  @Test
  void waitForProgrammedSaysWhatItWaitsForWhenNoProxyIsConnected() throws Exception {
    await().atMost(Duration.ofSeconds(15)).until(node::leadsStatus);

    // when: a Backend no proxy holds, waited for until Programmed
    CliRun applied =
        cli(
            "apply",
            "--wait",
            "--wait-for=programmed",
            "--timeout",
            "4s",
            "-f",
            file(
                    "lonely.yaml",
                    """
                    apiVersion: meshgate.io/v1alpha1
                    kind: Backend
                    metadata: {name: lonely, namespace: NS}
                    spec: {static: {endpoints: [{address: 10.0.0.3, port: 8080}]}}
                    """)
                .toString());

    // then: accepted, not programmed in time, and the reason says why
    assertThat(applied.exit()).as(applied.out() + applied.err()).isEqualTo(1);
    assertThat(applied.out())
        .contains("Backend/" + ns + "/lonely: Accepted (generation 1)")
        .contains("Backend/" + ns + "/lonely: not Programmed within 4 s")
        .contains("no proxy of proxyless is connected");
  }
}
