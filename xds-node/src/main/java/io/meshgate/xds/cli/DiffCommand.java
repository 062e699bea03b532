package io.meshgate.xds.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.etcd.jetcd.Client;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.HistoryEntry;
import io.meshgate.config.store.StoreReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meshgate diff KIND/NAME --from G1 --to G2}: how the spec changed between generations. */
@Command(
    name = "diff",
    mixinStandardHelpOptions = true,
    description =
        "Shows how a resource's spec changed between two kept generations (YAML, - removed, +"
            + " added); exit 0 when equal, 1 when they differ.")
final class DiffCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ClusterOptions cluster;

  @Parameters(index = "0", paramLabel = "KIND/NAME")
  String target;

  @Option(
      names = {"-n", "--namespace"},
      defaultValue = ObjectMeta.DEFAULT_NAMESPACE,
      description = "Namespace (default: ${DEFAULT-VALUE}).")
  String namespace;

  @Option(names = "--from", required = true, paramLabel = "G1", description = "Generation.")
  long from;

  @Option(names = "--to", paramLabel = "G2", description = "Generation (default: the current one).")
  @Nullable Long to;

  @Override
  public Integer call() {
    ResourceKey key = KindName.named(spec.commandLine(), target).key(namespace);
    PrintWriter out = spec.commandLine().getOut();
    try (Client etcd = cluster.etcdClient()) {
      List<HistoryEntry> history = new StoreReader(etcd, cluster.timeout()).history(key);
      if (history.isEmpty()) {
        spec.commandLine().getErr().println(key + ": not stored, so no history");
        return Meshgate.EXIT_RUNTIME_ERROR;
      }
      long last = history.get(history.size() - 1).generation();
      HistoryEntry a = HistoryCommand.generation(spec.commandLine(), history, key, from);
      HistoryEntry b =
          HistoryCommand.generation(spec.commandLine(), history, key, to == null ? last : to);
      out.println("--- " + key + " generation " + a.generation() + " (event " + a.eventId() + ")");
      out.println("+++ " + key + " generation " + b.generation() + " (event " + b.eventId() + ")");
      List<String> lines = SpecDiff.lines(yaml(a), yaml(b));
      lines.forEach(out::println);
      out.flush();
      return lines.stream().allMatch(l -> l.startsWith("  "))
          ? Meshgate.EXIT_OK
          : Meshgate.EXIT_RUNTIME_ERROR;
    }
  }

  private static String yaml(HistoryEntry entry) {
    try {
      return Mappers.yaml()
          .writeValueAsString(Mappers.json().valueToTree(entry.resource().spec()))
          .replaceFirst("^---\\s*\\n", "");
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
