package io.meshgate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.config.codec.Mappers;
import io.meshgate.xds.cli.Meshgate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** What the Nomad, Kubernetes and compose tests share: the node's settings, its ports, YAML. */
final class DeployFiles {
  /** A setting's name wherever it appears: in HCL, YAML keys and values, shell. */
  private static final Pattern SETTING_NAME = Pattern.compile("\\bMESHGATE_[A-Z0-9_]+\\b");

  private DeployFiles() {}

  /**
   * Every variable meshgate reads: what conf/node.env lists, which NodeEnvFileTest holds to the
   * node's options and the variables its sources name.
   */
  static Set<String> settings() throws IOException {
    return new TreeSet<>(NodeEnvFileTest.documented().keySet());
  }

  /** Every {@code MESHGATE_*} name the text mentions. */
  static Set<String> settingNames(String text) {
    Set<String> names = new TreeSet<>();
    Matcher name = SETTING_NAME.matcher(text);
    while (name.find()) {
      names.add(name.group());
    }
    return names;
  }

  /** The port of a {@code meshgate node} address option's default, such as --xds-addr's. */
  static int defaultPort(String option) {
    String address =
        Meshgate.commandLine()
            .getSubcommands()
            .get("node")
            .getCommandSpec()
            .findOption(option)
            .defaultValue();
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }

  /**
   * The documents of a YAML file as trees. SnakeYAML reads them, not Jackson's YAML parser: compose
   * files use anchors and merge keys ({@code <<: *replica}), which Jackson does not expand.
   */
  static List<JsonNode> yaml(Path file) throws IOException {
    Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
    List<JsonNode> documents = new ArrayList<>();
    for (Object document : yaml.loadAll(Files.readString(file))) {
      if (document != null) {
        documents.add(Mappers.json().valueToTree(document));
      }
    }
    return documents;
  }
}
