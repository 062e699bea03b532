package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.config.codec.Mappers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code meshgate translate}: files in, the pipeline's resources and Problems out, offline. */
class TranslateCommandTest {
  private static final Path GOLDEN = Path.of("src/test/resources/golden/envoy");
  private static final String SEAL_KEY = "src/test/resources/test-keys/seal.key";

  // The module of every golden case's replica (translate.Cases.WAF_MODULE).
  private static final String WAF_URL = "https://files.example.com/coraza-proxy-wasm-0.6.0.wasm";
  private static final String WAF_SHA256 =
      "5f1a1e0c2f7b1c4e9d8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e";

  @TempDir Path dir;

  /**
   * Whole-pipeline golden cases whose goldens do not depend on what an offline run cannot have: the
   * test mesh CA's identities (mesh and bridge cases), the test WAF module, or what OIDC discovery
   * fetched ({@code issuers.yaml}, {@code key-sets.yaml}).
   */
  static Stream<String> goldenCases() {
    return Stream.of(
        "gateway-jwt-authentication",
        "gateway-cors-and-ip-rules",
        "gateway-https-certificates-by-sni",
        "gateway-certificate-problems",
        "gateway-tls-passthrough-and-https-on-one-port",
        "gateway-api-keys-and-basic-auth",
        "gateways-sharing-an-address",
        "policy-conflict-oldest-wins",
        "backend-tls-policy",
        "gateway-waf-crs-block",
        "gateway-waf-detection-only-with-exclusions");
  }

  @ParameterizedTest
  @MethodSource("goldenCases")
  void translatingAGoldenInputPrintsExactlyItsGoldenResourcesAndProblems(String name)
      throws Exception {
    // given
    Path input = GOLDEN.resolve(name).resolve("input.yaml");

    // when
    CliRun run =
        CliRun.run(
            "translate",
            "-f",
            input.toString(),
            "--seal-key",
            SEAL_KEY,
            "--waf-module-url",
            WAF_URL,
            "--waf-module-sha256",
            WAF_SHA256);

    // then
    String problems = Files.readString(GOLDEN.resolve(name).resolve("problems.txt"));
    assertThat(run.err()).isEqualTo(problems);
    assertThat(run.exit()).isEqualTo(problems.isEmpty() ? 0 : TranslateCommand.EXIT_PROBLEMS);
    JsonNode printed = Mappers.yaml().readTree(run.out());
    for (String part : List.of("listeners", "routes", "clusters", "endpoints")) {
      JsonNode golden =
          Mappers.yaml().readTree(GOLDEN.resolve(name).resolve(part + ".yaml").toFile());
      assertThat(names(printed)).as("groups").isEqualTo(names(golden));
      for (String group : names(golden)) {
        assertThat(printed.get(group).get(part))
            .as("%s of %s", part, group)
            .isEqualTo(golden.get(group));
      }
    }
    Path secrets = GOLDEN.resolve(name).resolve("secrets.yaml");
    if (Files.exists(secrets)) {
      JsonNode golden = Mappers.yaml().readTree(secrets.toFile());
      for (String group : names(golden)) {
        assertThat(secretNames(printed.get(group).get("secrets")))
            .as("secrets of %s", group)
            .isEqualTo(secretNames(golden.get(group)));
      }
    }
  }

  @Test
  void groupPrintsOnlyThatGroup() throws Exception {
    // given
    Path input = GOLDEN.resolve("gateways-sharing-an-address/input.yaml");

    // when
    CliRun run =
        CliRun.run("translate", "-f", input.toString(), "--group", "gateway/default/second");

    // then
    JsonNode printed = Mappers.yaml().readTree(run.out());
    assertThat(names(printed)).containsExactly("gateway/default/second");
    JsonNode golden =
        Mappers.yaml()
            .readTree(GOLDEN.resolve("gateways-sharing-an-address/listeners.yaml").toFile());
    assertThat(printed.get("gateway/default/second").get("listeners"))
        .isEqualTo(golden.get("gateway/default/second"));
  }

  @Test
  void anUnknownGroupExitsOneNamingTheGroupsThereAre() throws Exception {
    // given
    Path input = GOLDEN.resolve("gateways-sharing-an-address/input.yaml");

    // when
    CliRun run = CliRun.run("translate", "-f", input.toString(), "--group", "gateway/default/none");

    // then
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err())
        .contains(
            "no proxy group gateway/default/none in this config (groups: gateway/default/first,"
                + " gateway/default/second, proxyless)");
  }

  @Test
  void outputJsonParsesAsJsonAndHoldsWhatYamlHolds() throws Exception {
    // given
    String input = GOLDEN.resolve("gateway-cors-and-ip-rules/input.yaml").toString();

    // when
    CliRun json = CliRun.run("translate", "-f", input, "-o", "json");
    CliRun yaml = CliRun.run("translate", "-f", input);

    // then
    JsonNode parsed = Mappers.json().readTree(json.out());
    assertThat(parsed.isObject()).isTrue();
    assertThat(parsed).isEqualTo(Mappers.yaml().readTree(yaml.out()));
    assertThat(json.exit()).isEqualTo(yaml.exit());
  }

  @Test
  void anUnknownOutputFormatIsAUsageError() {
    // when
    CliRun run =
        CliRun.run(
            "translate",
            "-f",
            GOLDEN.resolve("gateway-cors-and-ip-rules/input.yaml").toString(),
            "-o",
            "xml");

    // then
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("-o: xml (expected: yaml or json)");
  }

  @Test
  void withoutAWafModuleAWafPolicyGetsTheServersProblem() {
    // when
    CliRun run =
        CliRun.run(
            "translate", "-f", GOLDEN.resolve("gateway-waf-crs-block/input.yaml").toString());

    // then
    assertThat(run.exit()).isEqualTo(TranslateCommand.EXIT_PROBLEMS);
    assertThat(run.err()).contains("(WafModuleUnavailable)");
  }

  @Test
  void aWafUrlWithoutItsSha256IsAUsageError() {
    // when
    CliRun run =
        CliRun.run(
            "translate",
            "-f",
            GOLDEN.resolve("gateway-waf-crs-block/input.yaml").toString(),
            "--waf-module-url",
            WAF_URL);

    // then
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err())
        .contains("MESHGATE_WAF_MODULE_URL and MESHGATE_WAF_MODULE_SHA256 go together");
  }

  @Test
  void secretsShowNameAndFingerprintButNoKeyMaterial() throws Exception {
    // given
    Path input = GOLDEN.resolve("gateway-https-certificates-by-sni/input.yaml");

    // when
    CliRun run = CliRun.run("translate", "-f", input.toString(), "--seal-key", SEAL_KEY);

    // then
    assertThat(run.exit()).isZero();
    JsonNode secrets =
        Mappers.yaml().readTree(run.out()).get("gateway/default/edge").get("secrets");
    assertThat(secrets).isNotEmpty();
    for (JsonNode secret : secrets) {
      assertThat(names(secret)).containsExactly("name", "holds", "fingerprint");
      assertThat(secret.get("holds").asText()).isEqualTo("tlsCertificate");
      assertThat(secret.get("fingerprint").asText()).matches("[0-9a-f]{8,}");
    }
    assertThat(run.out()).doesNotContain("PRIVATE KEY").doesNotContain("BEGIN CERTIFICATE");
    assertThat(run.err()).doesNotContain("PRIVATE KEY");
  }

  @Test
  void withoutTheSealKeySealedCertificatesAreLeftOutWithTheServersProblem() throws Exception {
    // given
    Path input = GOLDEN.resolve("gateway-https-certificates-by-sni/input.yaml");

    // when
    CliRun run = CliRun.run("translate", "-f", input.toString());

    // then
    assertThat(run.exit()).isEqualTo(TranslateCommand.EXIT_PROBLEMS);
    assertThat(run.err())
        .contains(
            "Gateway/default/edge /spec/listeners/1/tls/certificateRefs/0: Secret"
                + " default/edge.example.com: this replica has no seal key (MESHGATE_SEAL_KEY), so"
                + " it cannot unseal tls.key (InvalidCertificateRef)");
    assertThat(run.err().lines()).allMatch(line -> line.startsWith("Gateway/default/edge /spec/"));
    assertThat(Mappers.yaml().readTree(run.out()).get("gateway/default/edge").get("secrets"))
        .isEmpty();
  }

  @Test
  void aConfigWithAProblemExitsFourAndPrintsItAsStatusDoes() throws Exception {
    // given
    Path file =
        write(
            "route.yaml",
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: shop}
            spec:
              gatewayClassName: meshgate
              listeners: [{name: http, port: 8080, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: web, namespace: shop}
            spec:
              parentRefs: [{name: edge}]
              rules: [{backendRefs: [{name: missing, port: 80}]}]
            """);

    // when
    CliRun run = CliRun.run("translate", "-f", file.toString());

    // then
    assertThat(run.exit()).isEqualTo(TranslateCommand.EXIT_PROBLEMS);
    assertThat(run.err()).startsWith("HTTPRoute/shop/web /spec/rules/0/backendRefs/0");
    assertThat(Mappers.yaml().readTree(run.out()).has("gateway/shop/edge")).isTrue();
  }

  @Test
  void anInvalidDocumentExitsThreeWithTheValidatorsFieldPath() throws Exception {
    // given
    Path file =
        write(
            "bad.yaml",
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: web}
            spec:
              rules:
                - backendRefs: [{name: web, weight: 2000000}]
            """);

    // when
    CliRun run = CliRun.run("translate", "-f", file.toString());

    // then
    assertThat(run.exit()).isEqualTo(Meshgate.EXIT_INVALID);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).contains(file + "#0").contains("/spec/rules/0/backendRefs/0/weight");
  }

  @Test
  void anUnreadableInputExitsOne() {
    // when
    CliRun run = CliRun.run("translate", "-f", dir.resolve("absent.yaml").toString());

    // then
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).contains("no such file: " + dir.resolve("absent.yaml"));
  }

  @Test
  void translatesWithKafkaAndEtcdAddressesUnset() throws Exception {
    // given: no environment and no config file, so no Kafka or etcd address at all
    Map<String, String> environment = Map.of();
    Path noConfigFile = dir.resolve("no-config.yaml");

    // when
    CliRun run =
        CliRun.run(
            environment,
            noConfigFile,
            "translate",
            "-f",
            GOLDEN.resolve("gateway-jwt-authentication/input.yaml").toString());

    // then
    assertThat(run.err())
        .isEqualTo(Files.readString(GOLDEN.resolve("gateway-jwt-authentication/problems.txt")));
    assertThat(Mappers.yaml().readTree(run.out()).has("gateway/default/edge")).isTrue();
  }

  private Path write(String name, String content) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, content);
    return file;
  }

  private static List<String> names(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static List<String> secretNames(JsonNode secrets) {
    List<String> names = new ArrayList<>();
    secrets.forEach(s -> names.add(s.get("name").asText()));
    return names;
  }
}
