package io.meshgate.xds.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.config.codec.Mappers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Settings precedence for every command: a flag, else the environment ({@code MESHGATE_} and the
 * option's key, e.g. {@code MESHGATE_KAFKA}), else {@code ~/.meshgate/config.yaml} (the key, e.g.
 * {@code kafka: host:9092}), else the option's built-in default.
 */
final class ConfigDefaults implements CommandLine.IDefaultValueProvider {
  static final Path CONFIG_FILE =
      Path.of(System.getProperty("user.home"), ".meshgate", "config.yaml");

  private final Map<String, String> environment;
  private final JsonNode file;

  ConfigDefaults(Map<String, String> environment, Path configFile) {
    this.environment = environment;
    this.file = read(configFile);
  }

  static ConfigDefaults standard() {
    return new ConfigDefaults(System.getenv(), CONFIG_FILE);
  }

  @Override
  public @Nullable String defaultValue(ArgSpec argSpec) {
    if (!(argSpec instanceof OptionSpec option) || option.descriptionKey().isEmpty()) {
      return null;
    }
    String key = option.descriptionKey();
    String fromEnvironment =
        environment.get("MESHGATE_" + key.toUpperCase(Locale.ROOT).replace('-', '_'));
    if (fromEnvironment != null && !fromEnvironment.isBlank()) {
      return fromEnvironment;
    }
    JsonNode fromFile = file.path(key);
    return fromFile.isValueNode() ? fromFile.asText() : null;
  }

  private static JsonNode read(Path configFile) {
    if (!Files.isRegularFile(configFile)) {
      return Mappers.json().createObjectNode();
    }
    try {
      JsonNode node = Mappers.yaml().readTree(configFile.toFile());
      return node == null ? Mappers.json().createObjectNode() : node;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + configFile + ": " + e.getMessage(), e);
    }
  }
}
