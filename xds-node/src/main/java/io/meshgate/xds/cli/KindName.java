package io.meshgate.xds.cli;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

/**
 * {@code KIND[/NAME]} as kubectl takes it: the kind case-insensitive ({@code httproute/web}).
 *
 * @param name null when only the kind was given
 */
record KindName(Kind kind, @Nullable String name) {
  /** {@code KIND/NAME}: one resource. */
  static KindName named(CommandLine commandLine, String text) {
    KindName parsed = kindOrNamed(commandLine, text);
    if (parsed.name() == null) {
      throw new CommandLine.ParameterException(
          commandLine, "'" + text + "' names no resource (expected: KIND/NAME)");
    }
    return parsed;
  }

  /** {@code KIND} (every resource of the kind) or {@code KIND/NAME}. */
  static KindName kindOrNamed(CommandLine commandLine, String text) {
    String[] parts = text.split("/", -1);
    if (parts.length > 2 || parts[0].isEmpty() || (parts.length == 2 && parts[1].isEmpty())) {
      throw new CommandLine.ParameterException(
          commandLine, "'" + text + "' (expected: KIND/NAME, e.g. httproute/web)");
    }
    Kind kind =
        Kind.findIgnoringCase(parts[0])
            .orElseThrow(
                () ->
                    new CommandLine.ParameterException(
                        commandLine,
                        "unknown kind '" + parts[0] + "' (expected one of: " + Kind.names() + ")"));
    return new KindName(kind, parts.length == 2 ? parts[1] : null);
  }

  ResourceKey key(String namespace) {
    return new ResourceKey(kind, namespace, name);
  }
}
