package io.meshgate.xds.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.meshgate.config.codec.Mappers;
import io.meshgate.testkit.GoldenFiles;
import io.meshgate.xds.envoy.EnvoyTranslator;
import io.meshgate.xds.envoy.EnvoyTypes;
import io.meshgate.xds.envoy.TranslationCache;
import io.meshgate.xds.ir.IrYaml;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.ProxyKind;
import io.meshgate.xds.keys.KeyRing;
import io.meshgate.xds.pipeline.SnapshotBuilder;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.snapshot.VersionedResource;
import io.meshgate.xds.translate.Cases;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Envoy itself accepts what meshgate translates for it: every golden case with Envoy groups (HTTP,
 * HTTPS by SNI with sealed test certificates, TLS passthrough and termination, TCP listeners,
 * TrafficPolicies, BackendTLSPolicies, redirects, rewrites, mirrors, sidecars) is translated with
 * the test seal key — through {@link SnapshotBuilder} from its input.yaml, or from its ir.yaml
 * where it has no resources — and each Envoy group's snapshot is checked by {@code $ENVOY_BIN
 * --mode validate}.
 *
 * <p>Validate mode builds the whole server from the bootstrap (listeners, filter chains and every
 * typed extension config, route tables, clusters, TLS contexts with their certificates), then exits
 * 0 and prints OK, or exits 1 with the errors. It opens no listener and sends no traffic, so ports
 * 80 and 443 need no privileges. It fetches nothing either, so what ADS would serve goes into
 * {@code static_resources}: listeners with their RDS route tables inlined as {@code route_config},
 * clusters as STATIC with their ClusterLoadAssignment as {@code load_assignment}, and secrets as
 * static secrets that the TLS contexts name without an {@code sds_config}. The resources are
 * otherwise as served, dumped with {@link EnvoyTypes#REGISTRY}. Not covered here: the ADS stream
 * itself and the rule that only authenticated streams get secrets (SecretConfinementTest,
 * SecureProxylessIT).
 *
 * <p>Skipped unless {@code ENVOY_BIN} names an Envoy binary, e.g. {@code
 * ENVOY_BIN=/usr/local/bin/envoy mvn -o verify -pl xds-node -Dit.test=EnvoyBinIT -Dtest=NONE
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class EnvoyBinIT {
  private static final Path GOLDEN = Path.of("src/test/resources/golden/envoy");
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().usingTypeRegistry(EnvoyTypes.REGISTRY).preservingProtoFieldNames();

  @TempDir Path dir;

  /** The golden cases whose listeners name a group other than proxyless. */
  static Stream<String> casesWithEnvoyGroups() {
    return GoldenFiles.cases(GOLDEN).stream()
        .filter(d -> !goldenEnvoyGroups(d).isEmpty())
        .map(d -> d.getFileName().toString());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("casesWithEnvoyGroups")
  void envoyValidatesEveryEnvoyGroupOfTheCase(String name) throws Exception {
    String envoy = System.getenv("ENVOY_BIN");
    assumeTrue(
        envoy != null,
        "ENVOY_BIN not set: point it at an Envoy binary to check that Envoy accepts the translated"
            + " config");
    assertThat(Path.of(envoy)).as("ENVOY_BIN").isExecutable();

    // given: the case translated as a replica holding the test seal key would serve it, from its
    // resources (input.yaml) or, for the cases written before resources could say it all, its IR
    Path caseDir = GOLDEN.resolve(name);
    List<ProxyGroupIr> groups;
    List<GroupSnapshot> snapshots;
    if (Files.exists(caseDir.resolve("input.yaml"))) {
      SnapshotBuilder.Build build = new SnapshotBuilder().build(Cases.caseInputs(caseDir));
      groups = build.resolved().groups();
      snapshots = build.snapshots();
    } else {
      groups = IrYaml.read(GoldenFiles.read(caseDir.resolve("ir.yaml")));
      snapshots =
          groups.stream()
              .map(
                  g ->
                      GroupSnapshot.of(
                          EnvoyTranslator.translate(g, KeyRing.empty(), new TranslationCache()), 1))
              .toList();
    }
    Set<String> envoyGroups = new TreeSet<>();
    for (ProxyGroupIr group : groups) {
      if (group.kind() == ProxyKind.ENVOY) {
        envoyGroups.add(group.name());
      }
    }
    assertThat(envoyGroups).isEqualTo(goldenEnvoyGroups(caseDir));

    for (GroupSnapshot group : snapshots) {
      if (!envoyGroups.contains(group.group())) {
        continue;
      }
      // when: Envoy validates the group's static bootstrap
      ObjectNode bootstrap = bootstrap(group);
      String file = group.group().replaceAll("[^A-Za-z0-9.-]", "_");
      Path config = dir.resolve(file + ".json");
      Files.writeString(
          config, Mappers.json().writerWithDefaultPrettyPrinter().writeValueAsString(bootstrap));
      Path log = dir.resolve(file + ".log");
      Process process =
          new ProcessBuilder(envoy, "--mode", "validate", "-c", config.toString())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      boolean exited = process.waitFor(2, TimeUnit.MINUTES);
      if (!exited) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }

      // then: it exits 0
      assertThat(exited).as("envoy --mode validate ended within 2 minutes on %s", config).isTrue();
      assertThat(process.exitValue())
          .as(
              "envoy --mode validate -c %s (group %s) said:%n%s",
              config, group.group(), Files.readString(log))
          .isZero();
    }
  }

  /**
   * The group's resources as an Envoy bootstrap of static resources: listeners with their route
   * tables inlined, EDS clusters as STATIC with their endpoints, and static secrets.
   */
  private static ObjectNode bootstrap(GroupSnapshot group) {
    Map<String, JsonNode> routes = new HashMap<>();
    for (RouteConfiguration route : resources(group, TypeUrls.ROUTE, RouteConfiguration.class)) {
      routes.put(route.getName(), json(route));
    }
    Map<String, ClusterLoadAssignment> endpoints = new HashMap<>();
    for (ClusterLoadAssignment assignment :
        resources(group, TypeUrls.ENDPOINT, ClusterLoadAssignment.class)) {
      endpoints.put(assignment.getClusterName(), assignment);
    }

    ObjectNode resources = Mappers.json().createObjectNode();
    ArrayNode listeners = resources.putArray("listeners");
    for (Listener listener : resources(group, TypeUrls.LISTENER, Listener.class)) {
      listeners.add(staticRefs(json(listener), routes));
    }
    ArrayNode clusters = resources.putArray("clusters");
    for (Cluster cluster : resources(group, TypeUrls.CLUSTER, Cluster.class)) {
      clusters.add(staticRefs(json(staticCluster(cluster, endpoints)), routes));
    }
    ArrayNode secrets = resources.putArray("secrets");
    for (Secret secret : resources(group, TypeUrls.SECRET, Secret.class)) {
      secrets.add(json(secret));
    }
    assertThat(listeners).as("listeners of %s", group.group()).isNotEmpty();
    assertThat(resources.findParents("ads"))
        .as("references to ADS left in the static bootstrap of %s", group.group())
        .isEmpty();

    ObjectNode bootstrap = Mappers.json().createObjectNode();
    bootstrap.putObject("node").put("id", "envoy-bin-it").put("cluster", group.group());
    bootstrap.set("static_resources", resources);
    return bootstrap;
  }

  /** An EDS cluster as a STATIC one holding its assignment (an empty one if it has none). */
  private static Cluster staticCluster(
      Cluster cluster, Map<String, ClusterLoadAssignment> endpoints) {
    if (cluster.getType() != Cluster.DiscoveryType.EDS) {
      return cluster;
    }
    String service = cluster.getEdsClusterConfig().getServiceName();
    ClusterLoadAssignment assignment =
        endpoints.getOrDefault(
            service.isEmpty() ? cluster.getName() : service,
            ClusterLoadAssignment.getDefaultInstance());
    return cluster.toBuilder()
        .clearEdsClusterConfig()
        .setType(Cluster.DiscoveryType.STATIC)
        .setLoadAssignment(assignment.toBuilder().setClusterName(cluster.getName()))
        .build();
  }

  /**
   * Rewrites, in place, what names a resource served over ADS: a connection manager's {@code rds}
   * becomes its {@code route_config}, and an SDS secret reference loses its {@code sds_config}, so
   * that it names a static secret.
   */
  private static JsonNode staticRefs(JsonNode node, Map<String, JsonNode> routes) {
    if (node instanceof ObjectNode object) {
      if (object.has("rds")) {
        String name = object.get("rds").path("route_config_name").asText();
        assertThat(routes).as("route tables of the group").containsKey(name);
        object.remove("rds");
        object.set("route_config", routes.get(name).deepCopy());
      }
      object.remove("sds_config");
      for (Iterator<JsonNode> values = object.elements(); values.hasNext(); ) {
        staticRefs(values.next(), routes);
      }
    } else if (node instanceof ArrayNode array) {
      array.forEach(element -> staticRefs(element, routes));
    }
    return node;
  }

  private static <T extends Message> List<T> resources(
      GroupSnapshot group, String typeUrl, Class<T> type) {
    return group.type(typeUrl).resources().values().stream()
        .map(VersionedResource::resource)
        .map(
            any -> {
              try {
                return any.unpack(type);
              } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException(typeUrl + " holds a " + any.getTypeUrl(), e);
              }
            })
        .toList();
  }

  /** A resource as Envoy's JSON config reads it: proto field names, typed configs with @type. */
  private static JsonNode json(Message message) {
    try {
      return Mappers.json().readTree(PRINTER.print(message));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The groups other than proxyless that the case's golden listeners name. */
  private static Set<String> goldenEnvoyGroups(Path caseDir) {
    try {
      JsonNode listeners =
          Mappers.yaml().readTree(GoldenFiles.read(caseDir.resolve("listeners.yaml")));
      Set<String> groups = new TreeSet<>();
      listeners.fieldNames().forEachRemaining(groups::add);
      groups.remove("proxyless");
      return groups;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
