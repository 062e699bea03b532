package io.meshgate.xds.cli;

import io.etcd.jetcd.Client;
import io.meshgate.config.apply.Planner;
import io.meshgate.config.apply.TransactionCheck;
import io.meshgate.config.event.Changesets;
import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.event.EventEncoder;
import io.meshgate.config.event.EventPrinter;
import io.meshgate.config.event.EventPublisher;
import io.meshgate.config.model.Reason;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.xds.trace.PublishSpans;
import io.meshgate.xds.trace.Tracing;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code meshgate apply -f FILE|DIR|-}: validates locally, then publishes one event per resource to
 * Kafka. Nothing is published if any document is invalid.
 */
@Command(
    name = "apply",
    mixinStandardHelpOptions = true,
    description = {
      "Validates resources, then publishes them as events to Kafka (topic meshgate.config, key ="
          + " namespace). Exit 3 with every violation if any document is invalid; nothing is"
          + " published then. With --wait, waits for each event's outcome: exit 0 if all were"
          + " accepted, 3 if any was rejected (with the reasons), 1 on timeout."
    })
final class ApplyCommand implements Callable<Integer> {
  /** Output formats of --dry-run. */
  enum Format {
    yaml,
    json
  }

  /** What --wait waits for. */
  enum WaitFor {
    accepted,
    programmed
  }

  /** What {@link #publish} waits for once the events are on Kafka. */
  enum Wait {
    /** Nothing: print what was published and return. */
    NONE,
    /** Every event's outcome (Accepted, Rejected or Deleted) recorded by the applier. */
    OUTCOME,
    /** Every outcome, and then every accepted resource Programmed by the proxies. */
    PROGRAMMED
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ClusterOptions cluster;

  @Mixin InputFileOptions input;

  @Option(
      names = "--dry-run",
      description =
          "Print the events that would be published (headers and value); publish nothing.")
  boolean dryRun;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "yaml",
      description =
          "Format of --dry-run output: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Format output;

  @Option(
      names = "--if-revision",
      description =
          "Apply only if the stored resource's resourceVersion equals N (0: only if it does not"
              + " exist); otherwise the event is rejected as stale.")
  @Nullable Long ifRevision;

  @Option(
      names = "--atomic",
      description =
          "Publish every document as one changeset event: all applied or none. The documents must"
              + " all be in one namespace; a changeset holds at most 40 items and 1 MiB.")
  boolean atomic;

  @Mixin EtcdLimitOptions etcdLimits;

  @Option(
      names = "--history-limit",
      descriptionKey = "history-limit",
      defaultValue = "" + Planner.DEFAULT_HISTORY,
      description =
          "The nodes' --history-limit, for checking an --atomic changeset against etcd's limits (env MESHGATE_HISTORY_LIMIT; default ${DEFAULT-VALUE}).")
  int historyLimit;

  @Option(names = "--wait", description = "Wait until every event's outcome is recorded.")
  boolean waitForOutcome;

  @Option(
      names = "--wait-for",
      defaultValue = "accepted",
      description = "What --wait waits for: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  WaitFor waitFor;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    CheckedDocuments checked = input.read();
    if (!checked.allValid()) {
      checked.report(out, false);
      out.println("nothing was published");
      return Meshgate.EXIT_INVALID;
    }
    EventEncoder encoder = EventEncoder.forSource(source());
    OptionalLong revision = ifRevision == null ? OptionalLong.empty() : OptionalLong.of(ifRevision);
    List<Resource> resources = checked.resources();
    if (resources.isEmpty()) {
      // As kubectl: files of nothing but empty documents are a mistake worth saying.
      spec.commandLine().getErr().println("no objects passed to apply (every document was empty)");
      spec.commandLine().getErr().flush();
      return Meshgate.EXIT_USAGE;
    }
    List<ConfigEvent> events =
        atomic
            ? List.of(changeset(encoder, resources))
            : resources.stream().map(r -> encoder.applied(r, revision)).toList();
    if (dryRun) {
      out.print(output == Format.json ? EventPrinter.json(events) : EventPrinter.yaml(events));
      out.flush();
      return Meshgate.EXIT_OK;
    }
    if (atomic) {
      List<Reason> tooLarge = limitProblems(events.get(0));
      if (!tooLarge.isEmpty()) {
        tooLarge.forEach(r -> out.println("--atomic: " + r.message()));
        out.println("nothing was published");
        out.flush();
        return Meshgate.EXIT_INVALID;
      }
      Map<ResourceKey, ConfigEvent> published = new LinkedHashMap<>();
      resources.forEach(r -> published.put(r.key(), events.get(0)));
      return publish(spec, cluster, events, published, waiting());
    }
    return publish(spec, cluster, events, waiting());
  }

  private Wait waiting() {
    if (!waitForOutcome) {
      return Wait.NONE;
    }
    return waitFor == WaitFor.programmed ? Wait.PROGRAMMED : Wait.OUTCOME;
  }

  /**
   * Why the applier would reject the changeset for etcd's limits, planned on what etcd holds now as
   * the applier will plan it. When etcd cannot be read, says so and lets the applier decide.
   */
  private List<Reason> limitProblems(ConfigEvent changeset) {
    Planner planner =
        new Planner(
            Clock.systemUTC(),
            () -> UUID.randomUUID().toString(),
            historyLimit,
            etcdLimits.limits());
    try (Client etcd = cluster.etcdClient()) {
      return TransactionCheck.limitProblems(etcd, cluster.timeout(), planner, changeset);
    } catch (RuntimeException e) {
      PrintWriter err = spec.commandLine().getErr();
      err.println(
          "warning: cannot check the changeset against etcd's limits ("
              + e.getMessage()
              + "); publishing it: the applier checks it too");
      err.flush();
      return List.of();
    }
  }

  /** One changeset of every document, or a usage error saying why it cannot be one. */
  private ConfigEvent changeset(EventEncoder encoder, List<Resource> resources) {
    if (ifRevision != null) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--if-revision applies to single resources, not to --atomic");
    }
    SortedSet<String> namespaces = new TreeSet<>();
    resources.forEach(r -> namespaces.add(r.metadata().namespace()));
    if (namespaces.size() != 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--atomic publishes one namespace's documents as one changeset; these are in "
              + namespaces.size()
              + " namespaces: "
              + String.join(", ", namespaces)
              + " (apply each namespace on its own)");
    }
    String namespace = namespaces.first();
    List<String> problems = Changesets.problems(namespace, resources, List.of());
    if (!problems.isEmpty()) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--atomic: " + String.join("; ", problems));
    }
    return encoder.changeset(namespace, resources, List.of());
  }

  /** Publishes, prints what was published, and waits for outcomes if asked. */
  static int publish(
      CommandLine.Model.CommandSpec spec,
      ClusterOptions cluster,
      List<ConfigEvent> events,
      Wait wait) {
    Map<ResourceKey, ConfigEvent> published = new LinkedHashMap<>();
    events.forEach(e -> published.put(ResourceKey.parse(e.subject()), e));
    return publish(spec, cluster, events, published, wait);
  }

  /**
   * Publishes, prints what was published, and waits for outcomes if asked.
   *
   * @param published each resource the events touch, with the event that carries it (a changeset
   *     carries several)
   */
  static int publish(
      CommandLine.Model.CommandSpec spec,
      ClusterOptions cluster,
      List<ConfigEvent> events,
      Map<ResourceKey, ConfigEvent> published,
      Wait wait) {
    PrintWriter out = spec.commandLine().getOut();
    cluster.awaitKafka();
    // With OTEL_EXPORTER_OTLP_ENDPOINT set, each event's trace starts here (docs/tracing.md).
    try (Tracing tracing = Tracing.fromEnvironment();
        PublishSpans traced = PublishSpans.start(tracing, events);
        EventPublisher publisher =
            EventPublisher.connect(cluster.kafka, cluster.kafkaClient(), cluster.timeout())) {
      publisher.publish(traced.events());
    }
    if (wait == Wait.NONE) {
      for (ConfigEvent event : events) {
        out.println(event.subject() + " published (event " + event.id() + ")");
      }
      out.flush();
      return Meshgate.EXIT_OK;
    }
    try (Client etcd = cluster.etcdClient()) {
      int accepted = OutcomeWait.await(etcd, published, cluster.timeout(), out);
      if (accepted != Meshgate.EXIT_OK || wait != Wait.PROGRAMMED) {
        return accepted;
      }
      return OutcomeWait.awaitProgrammed(etcd, published, cluster.timeout(), out);
    }
  }

  /** {@code meshgate-cli/<user>@<host>}: who published, for status and history. */
  static String source() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "unknown-host";
    }
    return "meshgate-cli/" + System.getProperty("user.name", "unknown") + "@" + host;
  }
}
