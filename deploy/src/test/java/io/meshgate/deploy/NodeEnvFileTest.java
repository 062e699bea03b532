package io.meshgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.xds.cli.Meshgate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * conf/node.env lists every setting of {@code meshgate node}, commented out with its default: the
 * variable of each option (ConfigDefaults maps {@code --xds-addr} to {@code MESHGATE_XDS_ADDR}),
 * and every variable the node's modules read themselves (found in their sources).
 */
class NodeEnvFileTest {
  private static final Path NODE_ENV = Path.of("conf/node.env");

  /** A commented-out setting: {@code #NAME=default}. */
  private static final Pattern SETTING = Pattern.compile("^#([A-Z][A-Z0-9_]*)=(.*)$");

  /** A variable name in a Java string literal or a logback {@code ${NAME:-default}}. */
  private static final Pattern VARIABLE_IN_SOURCE =
      Pattern.compile("[\"{]((?:MESHGATE|CONSUL|NOMAD)_[A-Z0-9_]+)");

  /** The modules {@code meshgate node} runs; testkit and embedded (test and standalone) are not. */
  private static final Set<String> NODE_MODULES =
      Set.of("xds-node", "config-store", "discovery", "edge", "mesh-bridge");

  /** Read by bin/meshgate and meshgate-node.service, not by the node; node.env documents them. */
  private static final Set<String> SERVICE_VARIABLES =
      Set.of("MESHGATE_JAVA_OPTS", "MESHGATE_NODE_FLAGS", "JAVA_HOME");

  /**
   * The OpenTelemetry variables node.env shows as examples: the SDK's autoconfiguration reads them
   * (all OTEL_* variables), not meshgate's code (docs/tracing.md).
   */
  private static final Set<String> OPENTELEMETRY_VARIABLES =
      Set.of(
          "OTEL_EXPORTER_OTLP_ENDPOINT",
          "OTEL_EXPORTER_OTLP_HEADERS",
          "OTEL_SERVICE_NAME",
          "OTEL_RESOURCE_ATTRIBUTES",
          "OTEL_TRACES_SAMPLER",
          "OTEL_TRACES_SAMPLER_ARG",
          "OTEL_SDK_DISABLED");

  private static CommandSpec node() {
    return Meshgate.commandLine().getSubcommands().get("node").getCommandSpec();
  }

  /** The node's options that set something: all but --help and --version. */
  private static List<OptionSpec> settings() {
    return node().options().stream()
        .filter(option -> !option.usageHelp() && !option.versionHelp())
        .toList();
  }

  /**
   * The settings node.env lists, with their defaults; the other tests check it is all the node
   * reads.
   */
  static Map<String, String> documented() throws IOException {
    Map<String, String> settings = new LinkedHashMap<>();
    for (String line : Files.readAllLines(NODE_ENV)) {
      Matcher setting = SETTING.matcher(line);
      if (setting.matches()) {
        assertThat(settings.put(setting.group(1), setting.group(2)))
            .as("%s is listed once", setting.group(1))
            .isNull();
      }
    }
    return settings;
  }

  private static Set<String> optionVariables() {
    Set<String> variables = new TreeSet<>();
    for (OptionSpec option : settings()) {
      if (!option.descriptionKey().isEmpty()) {
        variables.add(variableOf(option));
      }
    }
    return variables;
  }

  private static String variableOf(OptionSpec option) {
    return "MESHGATE_" + option.descriptionKey().toUpperCase(Locale.ROOT).replace('-', '_');
  }

  /** What the option is when not given: its default, false for a flag without one, else empty. */
  private static String defaultOf(OptionSpec option) {
    if (option.defaultValue() != null) {
      return option.defaultValue();
    }
    return option.type() == boolean.class ? "false" : "";
  }

  /** Every variable named in the main sources and resources of the node's modules. */
  private static Set<String> variablesInSources() throws IOException {
    Set<String> variables = new TreeSet<>();
    for (String module : NODE_MODULES) {
      Path main = Path.of("..", module, "src", "main");
      assertThat(main).as("the deploy module sits beside %s", module).isDirectory();
      try (Stream<Path> files = Files.walk(main)) {
        for (Path file : (Iterable<Path>) files::iterator) {
          String name = file.getFileName().toString();
          if (name.endsWith(".java") || name.endsWith(".xml") || name.endsWith(".properties")) {
            Matcher variable = VARIABLE_IN_SOURCE.matcher(Files.readString(file));
            while (variable.find()) {
              variables.add(variable.group(1));
            }
          }
        }
      }
    }
    return variables;
  }

  @Test
  void everyNodeOptionIsListedWithItsDefault() throws IOException {
    // given
    Map<String, String> documented = documented();

    // when / then
    for (OptionSpec option : settings()) {
      if (option.descriptionKey().isEmpty()) {
        continue;
      }
      String variable = variableOf(option);
      String defaultValue = defaultOf(option);
      assertThat(documented)
          .as("%s (%s) in %s", variable, option.longestName(), NODE_ENV)
          .containsEntry(variable, defaultValue);
    }
  }

  @Test
  void everyVariableTheNodeReadsIsListed() throws IOException {
    // given
    Set<String> read = variablesInSources();

    // when / then
    assertThat(read).as("the scan finds the variables the node reads").contains("MESHGATE_REDIS");
    assertThat(documented().keySet()).containsAll(read);
  }

  @Test
  void everyListedVariableIsOneTheNodeOrItsServiceReads() throws IOException {
    // given
    Set<String> known = new TreeSet<>(optionVariables());
    known.addAll(variablesInSources());
    known.addAll(SERVICE_VARIABLES);
    known.addAll(OPENTELEMETRY_VARIABLES);

    // when / then
    assertThat(known).containsAll(documented().keySet());
  }

  @Test
  void flagsWithoutAVariableAreNamedWhereMeshgateNodeFlagsIsDocumented() throws IOException {
    // given
    String nodeEnv = Files.readString(NODE_ENV);

    // when / then
    for (OptionSpec option : settings()) {
      if (option.descriptionKey().isEmpty()) {
        assertThat(nodeEnv)
            .as("%s has no variable: node.env names it for MESHGATE_NODE_FLAGS", option)
            .contains(option.longestName());
      }
    }
  }
}
