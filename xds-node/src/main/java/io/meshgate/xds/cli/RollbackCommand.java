package io.meshgate.xds.cli;

import io.etcd.jetcd.Client;
import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.event.EventEncoder;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.HistoryEntry;
import io.meshgate.config.store.StoreReader;
import io.meshgate.xds.cli.ApplyCommand.Wait;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshgate rollback KIND/NAME --to-generation G}: publishes generation G's spec again, as a
 * new event. It becomes a new generation; history is never rewritten.
 */
@Command(
    name = "rollback",
    mixinStandardHelpOptions = true,
    description =
        "Publishes a kept generation's spec as a new event (a new generation; history is never"
            + " rewritten). Guarded by the current resourceVersion, so a change made meanwhile"
            + " wins and the rollback is rejected as stale.")
final class RollbackCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ClusterOptions cluster;

  @Parameters(index = "0", paramLabel = "KIND/NAME")
  String target;

  @Option(
      names = {"-n", "--namespace"},
      defaultValue = ObjectMeta.DEFAULT_NAMESPACE,
      description = "Namespace (default: ${DEFAULT-VALUE}).")
  String namespace;

  @Option(names = "--to-generation", required = true, paramLabel = "G", description = "Generation.")
  long generation;

  @Option(names = "--wait", description = "Wait until the event's outcome is recorded.")
  boolean waitForOutcome;

  @Override
  public Integer call() {
    ResourceKey key = KindName.named(spec.commandLine(), target).key(namespace);
    Resource restored;
    long revision;
    try (Client etcd = cluster.etcdClient()) {
      StoreReader reader = new StoreReader(etcd, cluster.timeout());
      List<HistoryEntry> history = reader.history(key);
      if (history.isEmpty()) {
        spec.commandLine().getErr().println(key + ": not stored, so nothing to roll back");
        return Meshgate.EXIT_RUNTIME_ERROR;
      }
      HistoryEntry entry = HistoryCommand.generation(spec.commandLine(), history, key, generation);
      Resource current = reader.resource(key).orElseThrow();
      revision = current.metadata().resourceVersion();
      // The old spec under the current labels and annotations: a rollback is about the spec.
      restored =
          entry
              .resource()
              .withMetadata(
                  new ObjectMeta(
                      current.metadata().name(),
                      current.metadata().namespace(),
                      current.metadata().labels(),
                      current.metadata().annotations(),
                      null,
                      null,
                      null,
                      null));
    }
    ConfigEvent event =
        EventEncoder.forSource(ApplyCommand.source() + "#rollback-to-generation-" + generation)
            .applied(restored, OptionalLong.of(revision));
    return ApplyCommand.publish(
        spec, cluster, List.of(event), waitForOutcome ? Wait.OUTCOME : Wait.NONE);
  }
}
