package io.meshgate.xds.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.meshgate.config.codec.Document;
import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import io.meshgate.discovery.DiscoveredEndpoint;
import io.meshgate.discovery.EndpointSnapshot;
import io.meshgate.discovery.Registrations;
import io.meshgate.discovery.StaticEndpointSource;
import io.meshgate.testkit.GoldenFiles;
import io.meshgate.xds.issuers.IssuerSnapshot;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.translate.Cases;
import io.meshgate.xds.translate.TestIdentities;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 24 §1's property: a builder kept from build to build (its resolve and translation caches
 * warm) gives exactly what a fresh builder gives for the same inputs — the same IR and Problems,
 * and snapshots equal byte for byte — over random sequences of config changes. The changes come
 * from the golden cases' inputs: resources of two cases at a time appear, disappear, and change in
 * one field of their spec (a path, a port, a weight, a name a reference holds), and endpoints a
 * discovery source reports for their Backends come and go; unchanged resources keep their instances
 * from one snapshot to the next, as the etcd view keeps them. Seeds are fixed; {@code
 * -Dmeshgate.incremental.runs=N} runs more.
 */
class IncrementalBuildTest {
  private static final Path GOLDEN = Path.of("src/test/resources/golden");
  private static final int STEPS = 12;

  static IntStream seeds() {
    return IntStream.range(0, Integer.getInteger("meshgate.incremental.runs", 40));
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void aWarmBuilderBuildsWhatAFreshOneBuilds(int seed) {
    Random random = new Random(seed);
    List<Path> cases = cases();
    changesInSequence(
        random, cases.get(random.nextInt(cases.size())), cases.get(random.nextInt(cases.size())));
  }

  /**
   * The same property where one route's resolution serves many groups: sidecars calling Backends
   * that mesh-style routes are attached to share each route's resolution within a build and across
   * builds, and their route tables are kept by sidecar and Backend.
   */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("meshSeeds")
  void aWarmBuilderBuildsWhatAFreshOneBuildsForSidecarsOnMeshRoutes(int seed) {
    Random random = new Random(seed);
    List<Path> cases = cases();
    Path mesh =
        cases.stream().filter(p -> p.endsWith("sidecar-mesh-routes")).findFirst().orElseThrow();
    changesInSequence(random, mesh, cases.get(random.nextInt(cases.size())));
  }

  static IntStream meshSeeds() {
    return IntStream.range(1_000, 1_000 + Integer.getInteger("meshgate.incremental.runs", 10));
  }

  private static void changesInSequence(Random random, Path first, Path second) {
    List<JsonNode> pool = new ArrayList<>();
    pool.addAll(documents(first));
    pool.addAll(documents(second));

    TreeMap<ResourceKey, Resource> present = new TreeMap<>();
    long revision = 0;
    for (JsonNode tree : pool) {
      if (random.nextInt(4) > 0) {
        revision++;
        Resource resource = valid(tree, 1, revision);
        if (resource != null) {
          present.putIfAbsent(resource.key(), resource);
        }
      }
    }
    SnapshotBuilder warm = new SnapshotBuilder(Cases.SETTINGS);
    // Kept from config to config as the pipeline keeps it: unchanged Backends keep their lists.
    StaticEndpointSource listed = new StaticEndpointSource();
    // What a discovery source reports besides the config's own endpoints (Consul, say).
    Map<ResourceKey, List<DiscoveredEndpoint>> discovered = new TreeMap<>();
    int changed = 0;
    for (int step = 0; step < STEPS; step++) {
      ConfigSnapshot config = new ConfigSnapshot(revision, present);
      EndpointSnapshot outside = new EndpointSnapshot(discovered);
      Inputs inputs =
          new Inputs(
              config,
              StaticEndpointSource.from(config).with(outside),
              Cases.KEYS.ringFor(config),
              TestIdentities.forConfig(config),
              IssuerSnapshot.empty());
      Inputs kept =
          new Inputs(
              config,
              listed.endpoints(config, Registrations.empty()).with(outside),
              inputs.keys(),
              inputs.identities(),
              inputs.issuers());
      SnapshotBuilder.Build incremental = warm.build(kept);
      SnapshotBuilder.Build full = new SnapshotBuilder(Cases.SETTINGS).build(inputs);

      String at = first.getFileName() + " and " + second.getFileName() + ", step " + step;
      assertThat(kept.endpoints()).as(at).isEqualTo(inputs.endpoints());
      assertThat(incremental.resolved()).as(at).isEqualTo(full.resolved());
      assertThat(served(incremental)).as(at).isEqualTo(served(full));

      // The next endpoints: a discovered endpoint of a Backend comes or goes.
      List<Resource> backends = config.ofKind(Kind.BACKEND);
      if (!backends.isEmpty() && random.nextBoolean()) {
        ResourceKey backend = backends.get(random.nextInt(backends.size())).key();
        List<DiscoveredEndpoint> endpoints =
            new ArrayList<>(discovered.getOrDefault(backend, List.of()));
        if (!endpoints.isEmpty() && random.nextBoolean()) {
          endpoints.remove(random.nextInt(endpoints.size()));
        } else {
          endpoints.add(
              new DiscoveredEndpoint(
                  "10.9.0." + random.nextInt(4), 8080 + random.nextInt(2), 1, "", "", "consul"));
        }
        discovered.put(backend, List.copyOf(endpoints));
      }

      // The next config: one to three changes.
      for (int c = 1 + random.nextInt(3); c > 0; c--) {
        JsonNode tree = pool.get(random.nextInt(pool.size()));
        revision++;
        Resource candidate = valid(tree, 1, revision);
        if (candidate == null) {
          continue;
        }
        Resource current = present.get(candidate.key());
        switch (random.nextInt(3)) {
          case 0 -> {
            if (current != null) {
              present.remove(candidate.key());
            } else {
              present.put(candidate.key(), candidate);
            }
          }
          default -> {
            Resource mutated =
                valid(
                    mutated(tree, random),
                    current == null ? 1 : current.metadata().generation() + 1,
                    revision);
            if (mutated != null && mutated.key().equals(candidate.key())) {
              present.put(mutated.key(), mutated);
            }
          }
        }
        changed++;
      }
    }
    assertThat(changed).as("changes made").isPositive();
  }

  /** The property is not empty: the warm builder does reuse what did not change. */
  @Test
  void aWarmBuilderReusesWhatDidNotChange() {
    Path dir =
        cases().stream()
            .filter(p -> p.endsWith("http-route-weighted-backends"))
            .findFirst()
            .orElseThrow();
    List<JsonNode> documents = documents(dir);
    TreeMap<ResourceKey, Resource> present = new TreeMap<>();
    long revision = 0;
    for (JsonNode tree : documents) {
      Resource resource = valid(tree, 1, ++revision);
      present.put(resource.key(), resource);
    }
    SnapshotBuilder warm = new SnapshotBuilder(Cases.SETTINGS);
    // Kept from config to config as the pipeline keeps it: unchanged Backends keep their lists.
    StaticEndpointSource listed = new StaticEndpointSource();
    SnapshotBuilder.Build first = warm.build(Cases.inputs(new ConfigSnapshot(revision, present)));
    SnapshotBuilder.Build second =
        warm.build(Cases.inputs(new ConfigSnapshot(revision + 1, present)));

    assertThat(second.resolved().groups()).hasSameSizeAs(first.resolved().groups());
    for (int g = 0; g < first.resolved().groups().size(); g++) {
      // The same instances: resolve handed the unchanged IR over from its cache.
      assertThat(second.resolved().groups().get(g).clusters())
          .usingElementComparator((a, b) -> a == b ? 0 : 1)
          .containsExactlyElementsOf(first.resolved().groups().get(g).clusters());
      assertThat(second.resolved().groups().get(g).routeTables())
          .usingElementComparator((a, b) -> a == b ? 0 : 1)
          .containsExactlyElementsOf(first.resolved().groups().get(g).routeTables());
    }
  }

  /** What proxies would be served: every group's snapshot but those that failed, by group. */
  private static Map<String, GroupSnapshot> served(SnapshotBuilder.Build build) {
    Map<String, GroupSnapshot> served = new TreeMap<>();
    for (GroupSnapshot snapshot : build.snapshots()) {
      if (!build.resolved().failed().contains(snapshot.group())) {
        served.put(snapshot.group(), snapshot);
      }
    }
    return served;
  }

  /**
   * The tree with one scalar of its spec changed: a number plus one, a text with a suffix (a path
   * stays a path).
   */
  private static JsonNode mutated(JsonNode tree, Random random) {
    JsonNode copy = tree.deepCopy();
    List<JsonNode> parents = new ArrayList<>();
    List<String> fields = new ArrayList<>();
    collect(copy.path("spec"), parents, fields);
    if (parents.isEmpty()) {
      return copy;
    }
    int pick = random.nextInt(parents.size());
    ObjectNode parent = (ObjectNode) parents.get(pick);
    String field = fields.get(pick);
    JsonNode value = parent.get(field);
    if (value.isInt()) {
      parent.set(field, IntNode.valueOf(value.intValue() + 1));
    } else if (value.isTextual()) {
      parent.set(field, TextNode.valueOf(value.textValue() + (random.nextBoolean() ? "x" : "/y")));
    }
    return copy;
  }

  private static void collect(JsonNode node, List<JsonNode> parents, List<String> fields) {
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        if (field.getValue().isInt() || field.getValue().isTextual()) {
          parents.add(node);
          fields.add(field.getKey());
        } else {
          collect(field.getValue(), parents, fields);
        }
      }
    } else if (node.isArray()) {
      node.forEach(element -> collect(element, parents, fields));
    }
  }

  /** The resource a tree is, with its bookkeeping; null when the tree is not valid input. */
  private static Resource valid(JsonNode tree, long generation, long revision) {
    Validation validation = ResourceValidator.get().validate(tree);
    if (!(validation instanceof Validation.Valid valid)) {
      return null;
    }
    Resource resource = valid.resource();
    return resource.withMetadata(
        resource
            .metadata()
            .withBookkeeping("uid-" + resource.metadata().name(), generation, revision));
  }

  private static List<JsonNode> documents(Path dir) {
    List<JsonNode> trees = new ArrayList<>();
    for (Document document :
        YamlDocuments.read("input.yaml", GoldenFiles.read(dir.resolve("input.yaml")))) {
      if (document.tree() != null) {
        trees.add(document.tree());
      }
    }
    return trees;
  }

  private static List<Path> cases() {
    try (Stream<Path> files = Files.walk(GOLDEN)) {
      return files
          .filter(p -> p.getFileName().toString().equals("input.yaml"))
          .map(Path::getParent)
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
