package io.meshgate.xds.cli;

import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.event.EventEncoder;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.xds.cli.ApplyCommand.Wait;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meshgate delete KIND/NAME}: publishes a delete event. */
@Command(
    name = "delete",
    mixinStandardHelpOptions = true,
    description =
        "Publishes a delete event for KIND/NAME (kind case-insensitive, e.g. httproute/web).")
final class DeleteCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ClusterOptions cluster;

  @Parameters(index = "0", paramLabel = "KIND/NAME")
  String target;

  @Option(
      names = {"-n", "--namespace"},
      defaultValue = ObjectMeta.DEFAULT_NAMESPACE,
      description = "Namespace (default: ${DEFAULT-VALUE}).")
  String namespace;

  @Option(
      names = "--if-revision",
      description = "Delete only if the stored resourceVersion equals N.")
  @Nullable Long ifRevision;

  @Option(names = "--wait", description = "Wait until the delete's outcome is recorded.")
  boolean waitForOutcome;

  @Override
  public Integer call() {
    KindName kindName = KindName.named(spec.commandLine(), target);
    ConfigEvent event =
        EventEncoder.forSource(ApplyCommand.source())
            .deleted(
                kindName.kind().preferredApiVersion(),
                kindName.key(namespace),
                ifRevision == null ? OptionalLong.empty() : OptionalLong.of(ifRevision));
    return ApplyCommand.publish(
        spec, cluster, List.of(event), waitForOutcome ? Wait.OUTCOME : Wait.NONE);
  }
}
