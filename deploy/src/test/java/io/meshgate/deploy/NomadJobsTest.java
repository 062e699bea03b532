package io.meshgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.meshgate.config.codec.Mappers;
import io.meshgate.xds.cli.Meshgate;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The Nomad jobs in deploy/nomad, read as text: no Nomad runs here and no HCL parser is on the
 * classpath, so the checks are plain-text matches on the job files. The gateway's bootstrap
 * template is rendered by a small substitution in this test (HCL's {@code ${var.*}} and {@code
 * ${local.*}}, consul-template's trim markers, {@code range}, {@code env}) — a stand-in for Nomad's
 * renderer, not Nomad — and compared with what {@code meshgate bootstrap --gateway} prints.
 */
class NomadJobsTest {
  private static final Path XDS_JOB = Path.of("nomad/meshgate-xds.nomad.hcl");
  private static final Path GATEWAY_JOB = Path.of("nomad/envoy-gateway.nomad.hcl");

  /** One template block: its destination and its heredoc. */
  private static final Pattern TEMPLATE =
      Pattern.compile(
          "template \\{\\s*\\n\\s*destination\\s*=\\s*\"([^\"]+)\"(.*?)<<-EOT\\n(.*?)\\n\\s*EOT\\n",
          Pattern.DOTALL);

  private static final Pattern VARIABLE_ITEM = Pattern.compile("\\{\\{ \\.(\\w+) \\}\\}");

  private static final List<String> REPLICAS =
      List.of("10.0.0.11:18000", "10.0.0.12:18000", "10.0.0.13:18000");

  private record Template(String destination, String data) {}

  private static List<Template> templates(String job) {
    List<Template> templates = new ArrayList<>();
    Matcher template = TEMPLATE.matcher(job);
    while (template.find()) {
      templates.add(new Template(template.group(1), dedent(template.group(3))));
    }
    return templates;
  }

  /** HCL's {@code <<-} heredoc: the smallest indentation of its lines is removed from each. */
  private static String dedent(String heredoc) {
    List<String> lines = heredoc.lines().toList();
    int indent =
        lines.stream()
            .filter(line -> !line.isBlank())
            .mapToInt(line -> line.length() - line.stripLeading().length())
            .min()
            .orElse(0);
    StringBuilder text = new StringBuilder();
    for (String line : lines) {
      text.append(line.isBlank() ? "" : line.substring(indent)).append('\n');
    }
    return text.toString();
  }

  private static String variableDefault(String job, String name) {
    Matcher variable =
        Pattern.compile(
                "variable \"" + name + "\" \\{[^}]*?default\\s*=\\s*\"([^\"]*)\"", Pattern.DOTALL)
            .matcher(job);
    assertThat(variable.find()).as("variable %s has a default", name).isTrue();
    return variable.group(1);
  }

  private static int staticPort(String job, String label) {
    Matcher port =
        Pattern.compile("port \"" + label + "\" \\{\\s*static\\s*=\\s*(\\d+)").matcher(job);
    assertThat(port.find()).as("port %s is static", label).isTrue();
    return Integer.parseInt(port.group(1));
  }

  /**
   * The substitution standing in for Nomad: HCL interpolations first (Nomad evaluates them when it
   * parses the job), then consul-template's actions with the given catalog entries.
   */
  private static String render(
      String template, Map<String, String> hcl, List<String> replicas, String allocId) {
    String text = template;
    for (Map.Entry<String, String> value : hcl.entrySet()) {
      text = text.replace("${" + value.getKey() + "}", value.getValue());
    }
    assertThat(text).as("every HCL interpolation is substituted").doesNotContain("${");
    // {{- trims the whitespace before the action, -}} the whitespace after it.
    text = text.replaceAll("\\s*\\{\\{-\\s*", "{{").replaceAll("\\s*-}}\\s*", "}}");
    Matcher range =
        Pattern.compile(
                "\\{\\{range (\\w+) \"meshgate-xds\" \\}\\}(.*?)\\{\\{end \\}\\}", Pattern.DOTALL)
            .matcher(text);
    assertThat(range.find()).as("the template ranges over the registered replicas").isTrue();
    StringBuilder endpoints = new StringBuilder();
    for (String replica : replicas) {
      String[] hostPort = replica.split(":");
      endpoints.append(
          range
              .group(2)
              .replace("{{ .Address }}", hostPort[0])
              .replace("{{ .Port }}", hostPort[1]));
    }
    text = text.substring(0, range.start()) + endpoints + text.substring(range.end());
    text = text.replace("{{ env \"NOMAD_ALLOC_ID\" }}", allocId);
    assertThat(text).as("every template action is substituted").doesNotContain("{{");
    return text;
  }

  /** An HCL attribute, however {@code nomad fmt} aligns its {@code =}. */
  private static Pattern attribute(String name, String value) {
    return Pattern.compile(Pattern.quote(name) + "\\s*=\\s*" + Pattern.quote(value));
  }

  private static JsonNode meshgateBootstrap(String... args) {
    StringWriter out = new StringWriter();
    CommandLine meshgate = Meshgate.commandLine();
    meshgate.setOut(new PrintWriter(out));
    assertThat(meshgate.execute(args)).isZero();
    return yamlTree(out.toString());
  }

  private static JsonNode yamlTree(String yaml) {
    try {
      return Mappers.yaml().readTree(yaml);
    } catch (IOException e) {
      throw new AssertionError("not YAML: " + yaml, e);
    }
  }

  @Test
  void threeReplicasOneAtATimeOnDistinctHostsRolledBackWhenUnhealthy() throws IOException {
    // given
    String job = Files.readString(XDS_JOB);

    // when / then
    assertThat(job).containsPattern("count\\s*=\\s*3\\n");
    assertThat(job).containsPattern("max_parallel\\s*=\\s*1\\n");
    assertThat(job).containsPattern("health_check\\s*=\\s*\"checks\"");
    assertThat(job).containsPattern("auto_revert\\s*=\\s*true");
    assertThat(job).containsPattern("operator\\s*=\\s*\"distinct_hosts\"");
    assertThat(job).containsPattern("driver\\s*=\\s*\"exec\"");
    assertThat(job)
        .containsPattern("command\\s*=\\s*\"local/meshgate-\\$\\{var.version}/bin/meshgate\"");
  }

  @Test
  void portsAreTheNodeDefaultsAndEverySettingIsOneTheNodeReads() throws IOException {
    // given
    String job = Files.readString(XDS_JOB);

    // when / then
    assertThat(staticPort(job, "xds")).isEqualTo(DeployFiles.defaultPort("--xds-addr"));
    assertThat(staticPort(job, "admin")).isEqualTo(DeployFiles.defaultPort("--admin-addr"));
    assertThat(job).containsPattern("MESHGATE_XDS_ADDR\\s*=\\s*\"\\$\\{NOMAD_ADDR_xds}\"");
    assertThat(job).containsPattern("MESHGATE_ADMIN_ADDR\\s*=\\s*\"\\$\\{NOMAD_ADDR_admin}\"");
    assertThat(DeployFiles.settingNames(job))
        .contains("MESHGATE_KAFKA", "MESHGATE_ETCD", "MESHGATE_ADMIN_TOKEN_FILE")
        .isSubsetOf(DeployFiles.settings());
  }

  @Test
  void registersInConsulOrNomadWithAGrpcCheckOnAdsAndAnHttpCheckOnReadyz() throws IOException {
    // given
    String job = Files.readString(XDS_JOB);

    // when / then
    assertThat(variableDefault(job, "service_provider")).isEqualTo("consul");
    assertThat(job).containsPattern(attribute("provider", "var.service_provider"));
    // Nomad's own catalog checks only HTTP and TCP: the gRPC check becomes a TCP one there.
    assertThat(job)
        .containsPattern(
            attribute("for_each", "var.service_provider == \"consul\" ? [\"grpc\"] : [\"tcp\"]"));
    assertThat(job)
        .containsPattern(
            attribute("health_service", "\"" + AggregatedDiscoveryServiceGrpc.SERVICE_NAME + "\""));
    assertThat(job).containsPattern("port\\s*=\\s*\"xds\"");
    assertThat(job)
        .containsPattern(
            "type\\s*=\\s*\"http\"\\s*\\n\\s*port\\s*=\\s*\"admin\"\\s*\\n\\s*path\\s*=\\s*\"/readyz\"");
  }

  @Test
  void secretsAreRenderedFromNomadVariablesIntoTheSecretsDirectory() throws IOException {
    for (Path file : List.of(XDS_JOB, GATEWAY_JOB)) {
      // given
      String job = Files.readString(file);
      List<Template> templates = templates(job);

      // when / then
      assertThat(templates).as("%s renders its files from templates", file).isNotEmpty();
      assertThat(job).doesNotContain("-----BEGIN");
      for (Template template : templates) {
        Matcher item = VARIABLE_ITEM.matcher(template.data());
        while (item.find()) {
          String name = item.group(1);
          if (name.contains("token") || name.contains("key") || name.contains("crt")) {
            assertThat(template.destination())
                .as("%s: %s is a credential", file, name)
                .startsWith("secrets/");
          }
        }
      }
    }
  }

  @Test
  void gatewayBootstrapRenderedFromTheReplicasIsWhatMeshgateBootstrapWrites() throws IOException {
    // given
    String job = Files.readString(GATEWAY_JOB);
    Template bootstrap =
        templates(job).stream()
            .filter(t -> t.destination().equals("local/bootstrap.yaml"))
            .findFirst()
            .orElseThrow();
    String gateway = variableDefault(job, "gateway");
    String namespace = variableDefault(job, "gateway_namespace");
    JsonNode expected =
        meshgateBootstrap(
            "bootstrap",
            "--gateway",
            gateway,
            "--namespace",
            namespace,
            "--node-id",
            "9f1c2a7e-alloc",
            "--xds",
            String.join(",", REPLICAS),
            "--tls-ca",
            "/secrets/xds-ca.pem",
            "--cert-dir",
            "/secrets");

    for (String catalog : List.of("service", "nomadService")) {
      // when
      String rendered =
          render(
              bootstrap.data(),
              Map.of(
                  "var.gateway", gateway,
                  "var.gateway_namespace", namespace,
                  "local.services", catalog),
              REPLICAS,
              "9f1c2a7e-alloc");

      // then: the same tree, field for field: node, ADS, xds_cluster with every replica, TLS files
      assertThat(yamlTree(rendered)).as("rendered with %s", catalog).isEqualTo(expected);
    }
    assertThat(expected.at("/static_resources/clusters/0/load_assignment/endpoints/0/lb_endpoints"))
        .hasSize(3);
    assertThat(expected.at("/node/cluster").asText()).isEqualTo("gateway/shop/web");
  }

  @Test
  void gatewayTemplateReadsTheCatalogTheReplicasRegisterIn() throws IOException {
    // given
    String job = Files.readString(GATEWAY_JOB);

    // when / then
    assertThat(variableDefault(job, "service_provider")).isEqualTo("consul");
    assertThat(job)
        .containsPattern(
            attribute(
                "services", "var.service_provider == \"nomad\" ? \"nomadService\" : \"service\""));
    assertThat(job).contains("{{- range ${local.services} \"meshgate-xds\" }}");
    assertThat(Files.readString(XDS_JOB)).containsPattern("name\\s*=\\s*\"meshgate-xds\"");
  }
}
