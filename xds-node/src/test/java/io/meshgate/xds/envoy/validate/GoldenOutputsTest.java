package io.meshgate.xds.envoy.validate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.testkit.GoldenFiles;
import io.meshgate.xds.envoy.EnvoyResource;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.keys.KeyRing;
import io.meshgate.xds.translate.Cases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every resource of every envoy golden case passes Envoy's protoc-gen-validate rules. The resources
 * are built exactly as {@code EnvoyGoldenTest} builds them (through {@link Cases}), so what is
 * checked is what the pipeline serves, Secrets included; every Any in them must be of a type the
 * registry knows, so that nothing goes unchecked.
 */
class GoldenOutputsTest {
  private static final Path ROOT = Path.of("src/test/resources/golden/envoy");

  @TestFactory
  Stream<DynamicTest> everyGoldenResourcePassesEnvoysValidationRules() {
    List<Path> cases = GoldenFiles.cases(ROOT);
    assertThat(cases).as("golden cases under %s", ROOT.toAbsolutePath()).isNotEmpty();
    return cases.stream()
        .map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(dir)));
  }

  @Test
  void theCheckSeesTwoAnysDeepIntoAGoldenListener() throws Exception {
    // given a golden listener whose rate-limit filter (an Any in the connection manager, itself an
    // Any) loses its stat_prefix (min_len 1)
    Listener listener =
        translate(ROOT.resolve("gateway-header-modifiers"))
            .get(0)
            .listeners()
            .get(0)
            .unpack(Listener.class);
    Filter filter = listener.getFilterChains(0).getFilters(0);
    HttpConnectionManager manager = filter.getTypedConfig().unpack(HttpConnectionManager.class);
    // (after the CORS, client-address and authorization filters, which hold no field with a rule)
    int at = 3;
    HttpFilter rateLimit = manager.getHttpFilters(at);
    LocalRateLimit broken =
        rateLimit.getTypedConfig().unpack(LocalRateLimit.class).toBuilder()
            .setStatPrefix("")
            .build();
    Listener changed =
        listener.toBuilder()
            .setFilterChains(
                0,
                listener.getFilterChains(0).toBuilder()
                    .setFilters(
                        0,
                        filter.toBuilder()
                            .setTypedConfig(
                                Any.pack(
                                    manager.toBuilder()
                                        .setHttpFilters(
                                            at,
                                            rateLimit.toBuilder().setTypedConfig(Any.pack(broken)))
                                        .build()))))
            .build();

    // then the unchanged listener passes and the changed one is caught where it was broken
    assertThat(PgvRules.check(listener)).isEmpty();
    assertThat(PgvRules.check(changed))
        .extracting(PgvViolation::path, PgvViolation::rule)
        .containsExactly(
            tuple(
                "filter_chains[0].filters[0].typed_config.http_filters[3].typed_config.stat_prefix",
                "string.min_len"));
  }

  private static void check(Path dir) {
    // given the case's resources, built as the pipeline builds them
    List<GroupResources> groups = translate(dir);
    Map<String, EnvoyResource> resources = new LinkedHashMap<>();
    for (GroupResources group : groups) {
      add(resources, group, "listener", group.listeners());
      add(resources, group, "route", group.routes());
      add(resources, group, "cluster", group.clusters());
      add(resources, group, "endpoints", group.endpoints());
      add(resources, group, "secret", group.secrets());
    }
    assertThat(resources).as("resources of %s", dir.getFileName()).isNotEmpty();

    // when each is checked
    List<String> violations = new ArrayList<>();
    List<String> unchecked = new ArrayList<>();
    resources.forEach(
        (where, resource) -> {
          PgvReport report = PgvRules.report(resource.packed());
          report.violations().forEach(v -> violations.add(where + ": " + v));
          report.uncheckedTypes().forEach(t -> unchecked.add(where + ": " + t));
        });

    // then none breaks a rule, and every Any was opened
    assertThat(violations).as("PGV violations in %s", dir.getFileName()).isEmpty();
    assertThat(unchecked).as("Any types the registry does not know").isEmpty();
  }

  private static List<GroupResources> translate(Path dir) {
    if (Files.exists(dir.resolve("input.yaml"))) {
      return Cases.translate(GoldenFiles.read(dir.resolve("input.yaml"))).groups();
    }
    // An IR-only case: no certificates, so no key material (as EnvoyGoldenTest runs it).
    return Cases.envoy(
        Cases.readIr(GoldenFiles.read(dir.resolve("ir.yaml"))),
        KeyRing.empty(),
        Identities.empty());
  }

  private static void add(
      Map<String, EnvoyResource> into,
      GroupResources group,
      String kind,
      List<EnvoyResource> resources) {
    for (EnvoyResource resource : resources) {
      into.put(group.group() + " " + kind + " " + resource.name(), resource);
    }
  }
}
