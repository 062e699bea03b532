package io.meshgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * deploy/kubernetes/base as Kubernetes would read it: the kinds, probes on the node's ports, only
 * settings the node reads, and credentials only as files from Secrets. Parsed, not applied: no
 * Kubernetes runs here.
 */
class KubernetesManifestsTest {
  private static final Path BASE = Path.of("kubernetes/base");

  private static List<JsonNode> manifests() throws IOException {
    List<JsonNode> manifests = new ArrayList<>();
    for (JsonNode resource : kustomization().path("resources")) {
      manifests.addAll(DeployFiles.yaml(BASE.resolve(resource.asText())));
    }
    return manifests;
  }

  private static JsonNode kustomization() throws IOException {
    return DeployFiles.yaml(BASE.resolve("kustomization.yaml")).get(0);
  }

  private static JsonNode only(String kind) throws IOException {
    List<JsonNode> found =
        manifests().stream().filter(m -> m.path("kind").asText().equals(kind)).toList();
    assertThat(found).as("one %s", kind).hasSize(1);
    return found.get(0);
  }

  private static JsonNode container() throws IOException {
    JsonNode containers = only("StatefulSet").at("/spec/template/spec/containers");
    assertThat(containers).hasSize(1);
    return containers.get(0);
  }

  private static int containerPort(String name) throws IOException {
    for (JsonNode port : container().path("ports")) {
      if (port.path("name").asText().equals(name)) {
        return port.path("containerPort").asInt();
      }
    }
    throw new AssertionError("no container port named " + name);
  }

  @Test
  void kustomizationListsEveryManifestAndTheyHaveTheExpectedKinds() throws IOException {
    // given
    Set<String> listed = new TreeSet<>();
    kustomization().path("resources").forEach(r -> listed.add(r.asText()));
    Set<String> files = new TreeSet<>();
    try (Stream<Path> list = Files.list(BASE)) {
      list.map(p -> p.getFileName().toString())
          .filter(name -> !name.equals("kustomization.yaml"))
          .forEach(files::add);
    }

    // when
    List<String> kinds = manifests().stream().map(m -> m.path("kind").asText()).sorted().toList();

    // then
    assertThat(listed).isEqualTo(files);
    assertThat(kinds)
        .containsExactly(
            "ConfigMap",
            "Namespace",
            "PodDisruptionBudget",
            "Service",
            "Service",
            "ServiceAccount",
            "StatefulSet");
    assertThat(manifests())
        .filteredOn(m -> !m.path("kind").asText().equals("Namespace"))
        .allSatisfy(m -> assertThat(m.at("/metadata/namespace").asText()).isEqualTo("meshgate"));
  }

  @Test
  void threeReplicasOnePodAtATimeSpreadOverHosts() throws IOException {
    // given
    JsonNode statefulSet = only("StatefulSet");
    JsonNode budget = only("PodDisruptionBudget");

    // when / then
    assertThat(statefulSet.at("/spec/replicas").asInt()).isEqualTo(3);
    assertThat(statefulSet.at("/spec/updateStrategy/type").asText()).isEqualTo("RollingUpdate");
    assertThat(budget.at("/spec/maxUnavailable").asInt()).isEqualTo(1);
    assertThat(
            statefulSet.at("/spec/template/spec/topologySpreadConstraints/0/topologyKey").asText())
        .isEqualTo("kubernetes.io/hostname");
    assertThat(budget.at("/spec/selector")).isEqualTo(statefulSet.at("/spec/selector"));
  }

  @Test
  void portsAreTheNodeDefaultsAndProbesAskTheAdminPort() throws IOException {
    // given
    int xds = DeployFiles.defaultPort("--xds-addr");
    int admin = DeployFiles.defaultPort("--admin-addr");
    JsonNode settings = only("ConfigMap").path("data");
    JsonNode container = container();

    // when / then
    assertThat(containerPort("xds")).isEqualTo(xds).isEqualTo(18000);
    assertThat(containerPort("admin")).isEqualTo(admin).isEqualTo(19000);
    assertThat(settings.path("MESHGATE_XDS_ADDR").asText()).isEqualTo("0.0.0.0:" + xds);
    assertThat(settings.path("MESHGATE_ADMIN_ADDR").asText()).isEqualTo("0.0.0.0:" + admin);
    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/readyz");
    assertThat(container.at("/readinessProbe/httpGet/port").asText()).isEqualTo("admin");
    assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/healthz");
    assertThat(container.at("/livenessProbe/httpGet/port").asText()).isEqualTo("admin");
    assertThat(container.at("/startupProbe/httpGet/port").asText()).isEqualTo("admin");
    for (JsonNode service : manifests()) {
      if (service.path("kind").asText().equals("Service")) {
        assertThat(service.at("/spec/ports/0/port").asInt())
            .as("%s serves ADS first", service.at("/metadata/name"))
            .isEqualTo(xds);
        assertThat(service.at("/spec/ports/0/targetPort").asText()).isEqualTo("xds");
      }
    }
  }

  @Test
  void everySettingIsOneTheNodeReads() throws IOException {
    // given
    Set<String> named = new TreeSet<>();
    only("ConfigMap").path("data").fieldNames().forEachRemaining(named::add);
    container().path("env").forEach(e -> named.add(e.path("name").asText()));

    // when / then
    assertThat(named).contains("MESHGATE_KAFKA", "MESHGATE_ETCD", "MESHGATE_REPLICA_ID");
    assertThat(DeployFiles.settings()).containsAll(named);
  }

  @Test
  void credentialsAreFilesFromSecretsAndNoValueIsInline() throws IOException {
    // given: where each Secret is mounted
    JsonNode pod = only("StatefulSet").at("/spec/template/spec");
    Map<String, String> secretVolumes = new HashMap<>();
    for (JsonNode volume : pod.path("volumes")) {
      if (volume.has("secret")) {
        secretVolumes.put(volume.path("name").asText(), volume.at("/secret/secretName").asText());
      }
    }
    List<String> secretMounts = new ArrayList<>();
    for (JsonNode mount : container().path("volumeMounts")) {
      if (secretVolumes.containsKey(mount.path("name").asText())) {
        secretMounts.add(mount.path("mountPath").asText() + "/");
      }
    }
    JsonNode settings = only("ConfigMap").path("data");

    // when / then: no Secret object, and every credential setting names a file in a Secret mount
    assertThat(manifests()).noneMatch(m -> m.path("kind").asText().equals("Secret"));
    assertThat(secretVolumes).hasSize(5);
    settings
        .fields()
        .forEachRemaining(
            setting -> {
              String name = setting.getKey();
              // A token, a password or Redis's URL (with its password) would be a value.
              assertThat(name)
                  .doesNotEndWith("_TOKEN")
                  .doesNotEndWith("_PASSWORD")
                  .isNotEqualTo("MESHGATE_REDIS");
              if (name.endsWith("_KEY")
                  || name.endsWith("_CERT")
                  || name.endsWith("_CA")
                  || name.endsWith("_FILE")
                  || name.endsWith("_CONFIG")) {
                assertThat(secretMounts)
                    .as("%s=%s is a file of a mounted Secret", name, setting.getValue().asText())
                    .anyMatch(mount -> setting.getValue().asText().startsWith(mount));
              }
            });
  }

  @Test
  void podRunsNonRootReadOnlyWithoutCapabilitiesOrApiToken() throws IOException {
    // given
    JsonNode pod = only("StatefulSet").at("/spec/template/spec");
    JsonNode security = container().path("securityContext");

    // when / then
    assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
    assertThat(pod.at("/securityContext/runAsUser").asInt()).isPositive();
    assertThat(security.path("readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(security.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
    assertThat(security.at("/capabilities/drop").toString()).isEqualTo("[\"ALL\"]");
    assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).isFalse();
    assertThat(container().at("/resources/limits/memory").asText()).isNotEmpty();
    assertThat(container().at("/resources/requests/cpu").asText()).isNotEmpty();
  }
}
