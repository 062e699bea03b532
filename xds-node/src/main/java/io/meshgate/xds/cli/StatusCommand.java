package io.meshgate.xds.cli;

import io.etcd.jetcd.Client;
import io.meshgate.config.model.ApplierStatus;
import io.meshgate.config.model.Condition;
import io.meshgate.config.model.EventRecord;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.StoreReader;
import io.meshgate.xds.serve.ErrorDetails;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshgate status KIND/NAME}: the first line is the latest event's outcome in one word
 * (Accepted, Rejected, Deleted, or Pending when an event is published but has no outcome yet) and
 * the stored generation; then conditions and the recent events with their reasons.
 */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description =
        "Shows a resource's status: latest outcome, conditions and recent events with reasons.")
final class StatusCommand implements Callable<Integer> {
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
    KindName kindName = KindName.named(spec.commandLine(), target);
    ResourceKey key = kindName.key(namespace);
    PrintWriter out = spec.commandLine().getOut();
    try (Client etcd = cluster.etcdClient()) {
      StoreReader reader = new StoreReader(etcd, cluster.timeout());
      Optional<ApplierStatus> status = reader.status(key);
      Optional<Resource> resource = reader.resource(key);
      List<String> pending = pending(key, reader);
      if (status.isEmpty() && resource.isEmpty() && pending.isEmpty()) {
        spec.commandLine()
            .getErr()
            .println(key + ": no resource and no events (never published, or not yet seen)");
        return Meshgate.EXIT_RUNTIME_ERROR;
      }
      ApplierStatus applier = status.orElse(ApplierStatus.empty());
      String word =
          !pending.isEmpty()
              ? "Pending"
              : applier.lastEvent().map(e -> OutcomeWait.word(e.outcome())).orElse("Pending");
      out.println(
          word
              + (resource.isPresent()
                  ? " (generation "
                      + resource.get().metadata().generation()
                      + ", resourceVersion "
                      + resource.get().metadata().resourceVersion()
                      + ")"
                  : " (not stored)"));
      out.println("Resource: " + key);
      List<Condition> conditions = new ArrayList<>(applier.conditions());
      conditions.addAll(reader.conditions(key));
      if (!conditions.isEmpty()) {
        out.println("Conditions:");
        Table.print(out, conditionRows(conditions));
      }
      if (!pending.isEmpty()) {
        out.println("Pending events (published, not yet applied): " + String.join(", ", pending));
      }
      if (!applier.events().isEmpty()) {
        out.println("Events (newest first):");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"  ID", "OUTCOME", "GENERATION", "AT", "SOURCE"});
        List<EventRecord> events = new ArrayList<>(applier.events());
        Collections.reverse(events);
        for (EventRecord e : events) {
          rows.add(
              new String[] {
                "  " + e.id(),
                OutcomeWait.word(e.outcome()),
                e.generation() == null ? "-" : e.generation().toString(),
                nz(e.at()),
                nz(e.source())
              });
        }
        Table.print(out, rows);
        for (EventRecord e : events) {
          if (!e.reasons().isEmpty()) {
            out.println("Reasons for " + e.id() + ":");
            e.reasons().forEach(r -> out.println("  " + r));
          }
        }
      }
      out.flush();
      return Meshgate.EXIT_OK;
    }
  }

  private List<String> pending(ResourceKey key, StoreReader reader) {
    try {
      return PendingEvents.find(
          cluster.kafka,
          cluster.kafkaClient(),
          key,
          reader,
          cluster.timeout().compareTo(Duration.ofSeconds(5)) > 0
              ? Duration.ofSeconds(5)
              : cluster.timeout());
    } catch (RuntimeException e) {
      spec.commandLine()
          .getErr()
          .println("(could not check Kafka for pending events: " + e.getMessage() + ")");
      return List.of();
    }
  }

  /**
   * The most bytes of a condition message printed. A Programmed message carries at most one proxy's
   * error detail, cut to {@link ErrorDetails#MAX_BYTES} by the status leader, and the names around
   * it; this bounds messages written by older leaders too.
   */
  static final int MAX_MESSAGE_BYTES = 2 * ErrorDetails.MAX_BYTES;

  /** The conditions table: a header, then one row per condition. */
  static List<String[]> conditionRows(List<Condition> conditions) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"  TYPE", "STATUS", "REASON", "OBSERVED", "SINCE", "MESSAGE"});
    for (Condition c : conditions) {
      rows.add(
          new String[] {
            "  " + c.type(),
            c.status().wireName(),
            nz(c.reason()),
            c.observedGeneration() == null ? "-" : c.observedGeneration().toString(),
            nz(c.lastTransitionTime()),
            nz(ErrorDetails.cut(c.message(), MAX_MESSAGE_BYTES))
          });
    }
    return rows;
  }

  private static String nz(@Nullable String text) {
    return text == null || text.isEmpty() ? "-" : text;
  }
}
