package io.meshgate.xds.translate;

import static io.meshgate.xds.envoy.Consistency.unpack;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.meshgate.config.codec.Mappers;
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.testkit.GoldenFiles;
import io.meshgate.xds.envoy.Consistency;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.envoy.Secrets;
import io.meshgate.xds.ir.Problem;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.keys.KeyRing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * envoy golden cases: {@code golden/envoy/<case>/ir.yaml}, or {@code input.yaml} (resources, which
 * then also give {@code ir.yaml} and {@code problems.txt} as goldens) → {@code listeners.yaml},
 * {@code routes.yaml}, {@code clusters.yaml}, {@code endpoints.yaml}, each a map of group to
 * resources as a config dump shows them. Every output must parse back with the Envoy type registry
 * (unknown fields fail) and every group must be consistent.
 */
class EnvoyGoldenTest {
  static final Path ROOT = Path.of("src/test/resources/golden/envoy");

  @TestFactory
  Stream<DynamicTest> everyCaseMatchesItsGoldenEnvoyResources() {
    return GoldenFiles.cases(ROOT).stream()
        .map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(dir)));
  }

  private static void check(Path dir) throws Exception {
    ResolvedIr ir;
    KeyRing keys;
    Identities identities;
    if (Files.exists(dir.resolve("input.yaml"))) {
      // A whole-pipeline case: resources in, the IR and problems as goldens too.
      Cases.Translated translated = Cases.translateCase(dir);
      ir = translated.ir();
      keys = translated.inputs().keys();
      identities = translated.inputs().identities();
      GoldenFiles.assertMatches(dir.resolve("ir.yaml"), Cases.irYaml(ir), "xds-node");
      GoldenFiles.assertMatches(
          dir.resolve("problems.txt"),
          ir.problems().stream()
              .map(Problem::toString)
              .collect(Collectors.joining("\n", "", ir.problems().isEmpty() ? "" : "\n")),
          "xds-node");
    } else {
      // An IR-only case: no certificates, so no key material.
      ir = Cases.readIr(GoldenFiles.read(dir.resolve("ir.yaml")));
      keys = KeyRing.empty();
      identities = Identities.empty();
    }
    List<GroupResources> groups = Cases.envoy(ir, keys, identities);
    write(dir, "listeners.yaml", groups, g -> unpack(g.listeners(), Listener.class));
    write(dir, "routes.yaml", groups, g -> unpack(g.routes(), RouteConfiguration.class));
    write(dir, "clusters.yaml", groups, g -> unpack(g.clusters(), Cluster.class));
    write(dir, "endpoints.yaml", groups, g -> unpack(g.endpoints(), ClusterLoadAssignment.class));
    if (groups.stream().anyMatch(g -> !g.secrets().isEmpty())) {
      // Golden files never hold a private key: the Secrets are written redacted.
      write(
          dir,
          "secrets.yaml",
          groups,
          g -> unpack(g.secrets(), Secret.class).stream().map(Secrets::redacted).toList());
    }
    GoldenFiles.checkNoStaleOutputs(
        dir,
        ".yaml",
        Set.of(
            "input.yaml",
            Cases.ISSUERS,
            Cases.KEY_SETS,
            "ir.yaml",
            "listeners.yaml",
            "routes.yaml",
            "clusters.yaml",
            "endpoints.yaml",
            "secrets.yaml"),
        "xds-node");
    for (GroupResources group : groups) {
      assertThat(Consistency.problems(group)).as("consistency of %s", group.group()).isEmpty();
      // java-control-plane's own check, where its model applies (it knows no API listeners and only
      // the legacy name of the connection manager filter): clusters against their assignments.
      Snapshot.create(
              unpack(group.clusters(), Cluster.class),
              unpack(group.endpoints(), ClusterLoadAssignment.class),
              List.of(),
              List.of(),
              List.of(),
              "v")
          .ensureConsistent();
    }
  }

  private static void write(
      Path dir,
      String file,
      List<GroupResources> groups,
      Function<GroupResources, List<? extends Message>> part)
      throws Exception {
    ObjectNode byGroup = Mappers.json().createObjectNode();
    for (GroupResources group : groups) {
      List<? extends Message> resources = part.apply(group);
      JsonNode dumped = Cases.dump(resources);
      byGroup.set(group.group(), dumped);
      for (int i = 0; i < resources.size(); i++) {
        Message parsed = Cases.parse(dumped.get(i));
        assertThat(parsed.toByteString())
            .as("%s %s[%d] parses back", file, group.group(), i)
            .isEqualTo(resources.get(i).toByteString());
      }
    }
    GoldenFiles.assertMatches(
        dir.resolve(file), Mappers.yaml().writeValueAsString(byGroup), "xds-node");
  }
}
