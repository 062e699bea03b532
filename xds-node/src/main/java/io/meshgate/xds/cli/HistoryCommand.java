package io.meshgate.xds.cli;

import io.etcd.jetcd.Client;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.HistoryEntry;
import io.meshgate.config.store.StoreReader;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meshgate history KIND/NAME}: the kept generations of the resource's current life. */
@Command(
    name = "history",
    mixinStandardHelpOptions = true,
    description =
        "Lists the kept generations of a resource (its current life: a re-created resource starts"
            + " again at 1): generation, event id, time, source.")
final class HistoryCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ClusterOptions cluster;

  @Parameters(index = "0", paramLabel = "KIND/NAME")
  String target;

  @Option(
      names = {"-n", "--namespace"},
      defaultValue = ObjectMeta.DEFAULT_NAMESPACE,
      description = "Namespace (default: ${DEFAULT-VALUE}).")
  String namespace;

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
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"GENERATION", "EVENT", "TIME", "SOURCE"});
      for (HistoryEntry entry : history) {
        rows.add(
            new String[] {
              Long.toString(entry.generation()), entry.eventId(), entry.time(), entry.source()
            });
      }
      Table.print(out, rows);
      out.flush();
      return Meshgate.EXIT_OK;
    }
  }

  /** The kept entry of a generation, or a usage error listing the kept ones. */
  static HistoryEntry generation(
      CommandLine commandLine, List<HistoryEntry> history, ResourceKey key, long generation) {
    return history.stream()
        .filter(e -> e.generation() == generation)
        .findFirst()
        .orElseThrow(
            () ->
                new CommandLine.ParameterException(
                    commandLine,
                    key
                        + " has no kept generation "
                        + generation
                        + " (kept: "
                        + history.stream()
                            .map(e -> Long.toString(e.generation()))
                            .reduce((a, b) -> a + ", " + b)
                            .orElse("none")
                        + ")"));
  }
}
