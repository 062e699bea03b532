package io.meshgate.chaos;

import static java.util.Objects.requireNonNull;

import io.etcd.jetcd.ByteSequence;
import io.meshgate.config.model.ApplierStatus;
import io.meshgate.config.model.Condition;
import io.meshgate.config.model.ConditionStatus;
import io.meshgate.config.model.EventRecord;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Outcome;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.HistoryEntry;
import io.meshgate.config.store.Keyspace;
import io.meshgate.config.store.StoreReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * What must hold after a run, checked from what was recorded: etcd (through a client of its own),
 * the replicas' admin endpoints and the simulated proxies. Each finding is a sentence naming what
 * broke; none means the run passed.
 */
final class Checker {
  /**
   * The short type names of the replicas' {@code /debug/snapshots?group=} and the proxies' types.
   */
  private static final Map<String, String> SHORT_TYPES =
      Map.of(
          SimulatedEnvoy.LISTENER, "Listener",
          SimulatedEnvoy.ROUTE, "RouteConfiguration",
          SimulatedEnvoy.CLUSTER, "Cluster",
          SimulatedEnvoy.ENDPOINT, "ClusterLoadAssignment");

  private final ChaosCluster cluster;
  private final ConfigStream stream;
  private final List<SimulatedEnvoy> proxies;
  private final StoreReader reader;
  private final String group = "gateway/" + ConfigStream.GATEWAY;

  Checker(ChaosCluster cluster, ConfigStream stream, List<SimulatedEnvoy> proxies) {
    this.cluster = requireNonNull(cluster, "cluster");
    this.stream = requireNonNull(stream, "stream");
    this.proxies = List.copyOf(proxies);
    this.reader = new StoreReader(cluster.etcdClient(), Duration.ofSeconds(10));
  }

  /** True once every event published has its outcome recorded. */
  boolean allRecorded() {
    for (Map.Entry<ResourceKey, List<String>> entry : stream.eventsOf().entrySet()) {
      List<String> ids = entry.getValue();
      String last = ids.get(ids.size() - 1);
      try {
        if (!reader.status(entry.getKey()).map(s -> s.hasEvent(last)).orElse(false)) {
          return false;
        }
      } catch (RuntimeException e) {
        return false; // etcd not back yet
      }
    }
    return true;
  }

  /** Findings about the replicas and proxies not agreeing yet; empty when they converged. */
  List<String> convergence() {
    List<String> findings = new ArrayList<>();
    Map<String, Map<String, String>> first = null;
    String firstId = null;
    for (Replica replica : cluster.replicas()) {
      Optional<Map<String, Map<String, String>>> versions = replica.groupVersions();
      if (versions.isEmpty()) {
        findings.add("replica " + replica.id() + " does not answer /debug/snapshots");
        continue;
      }
      if (first == null) {
        first = versions.get();
        firstId = replica.id();
      } else if (!first.equals(versions.get())) {
        findings.add(
            "replicas "
                + firstId
                + " and "
                + replica.id()
                + " serve different versions: "
                + first
                + " vs "
                + versions.get());
      }
    }
    if (!findings.isEmpty()) {
      return findings;
    }
    Optional<Map<String, Map<String, String>>> served = cluster.replica(0).groupResources(group);
    if (served.isEmpty()) {
      return List.of("replica r0 serves no group " + group);
    }
    for (SimulatedEnvoy proxy : proxies) {
      for (Map.Entry<String, String> type : SHORT_TYPES.entrySet()) {
        Map<String, String> held = new TreeMap<>(proxy.held(type.getKey()));
        Map<String, String> expected = served.get().getOrDefault(type.getValue(), Map.of());
        if (!held.equals(expected)) {
          findings.add(
              proxy
                  + " holds "
                  + type.getValue()
                  + " "
                  + held
                  + " but the replicas serve "
                  + expected);
        }
      }
    }
    if (findings.isEmpty()) {
      programmed(findings);
    }
    return findings;
  }

  /**
   * Programmed on status matches what the proxies hold: every Gateway and HTTPRoute that exists is
   * Programmed for its current generation once every proxy holds what the replicas serve.
   */
  private void programmed(List<String> findings) {
    for (Map.Entry<ResourceKey, Resource> entry : stream.model().entrySet()) {
      ResourceKey key = entry.getKey();
      if (key.kind() != Kind.GATEWAY && key.kind() != Kind.HTTP_ROUTE) {
        continue;
      }
      Optional<Resource> stored = reader.resource(key);
      if (stored.isEmpty()) {
        findings.add(key + " is not stored");
        continue;
      }
      long generation = stored.get().metadata().generation();
      Optional<Condition> programmed =
          reader.conditions(key).stream().filter(c -> c.type().equals("Programmed")).findFirst();
      if (programmed.isEmpty()
          || programmed.get().status() != ConditionStatus.TRUE
          || programmed.get().observedGeneration() == null
          || programmed.get().observedGeneration() != generation) {
        findings.add(
            key
                + " generation "
                + generation
                + " is held by every proxy, but its Programmed condition is "
                + programmed.map(Object::toString).orElse("absent"));
      }
    }
  }

  /** Everything else, once the run settled. */
  List<String> findings() {
    List<String> findings = new ArrayList<>();
    // a run that exercised nothing proves nothing
    if (stream.published().size() < 20) {
      findings.add("only " + stream.published().size() + " events published");
    }
    for (SimulatedEnvoy proxy : proxies) {
      if (proxy.held(SimulatedEnvoy.LISTENER).isEmpty()
          || proxy.held(SimulatedEnvoy.CLUSTER).isEmpty()) {
        findings.add(proxy + " holds no listener or no cluster");
      }
    }
    outcomesAndModel(findings);
    for (SimulatedEnvoy proxy : proxies) {
      proxy.violations().forEach(v -> findings.add(proxy + ": " + v));
    }
    statusWritesInsideTerms(findings);
    return findings;
  }

  private void outcomesAndModel(List<String> findings) {
    Map<ResourceKey, Resource> model = stream.model();
    for (Map.Entry<ResourceKey, List<String>> entry : stream.eventsOf().entrySet()) {
      ResourceKey key = entry.getKey();
      List<String> ids = entry.getValue();
      Optional<ApplierStatus> status = reader.status(key);
      if (status.isEmpty()) {
        findings.add(key + ": no status, " + ids.size() + " events published");
        continue;
      }
      // every event exactly once, in publish order (the status keeps the newest MAX_EVENTS)
      List<String> recorded = status.get().events().stream().map(EventRecord::id).toList();
      List<String> expected = ids.subList(Math.max(0, ids.size() - recorded.size()), ids.size());
      if (!recorded.equals(expected)
          || recorded.size() < Math.min(ids.size(), ApplierStatus.MAX_EVENTS)) {
        findings.add(key + ": outcomes recorded for " + recorded + " but published " + ids);
      }
      for (EventRecord record : status.get().events()) {
        var published = stream.find(record.id());
        if (published.isEmpty()) {
          findings.add(key + ": an outcome for an event never published: " + record.id());
          continue;
        }
        boolean rejected = record.outcome() == Outcome.REJECTED;
        boolean mustReject = published.get().expected() == ConfigStream.Expected.REJECTED;
        if (rejected != mustReject) {
          findings.add(
              key
                  + ": "
                  + published.get().describe()
                  + " ended "
                  + record.outcome()
                  + " "
                  + record.reasons());
        }
      }
      // etcd equals the model
      Optional<Resource> stored = reader.resource(key);
      Resource want = model.get(key);
      if (stored.isPresent() != (want != null)) {
        findings.add(key + (want == null ? " exists but the model deleted it" : " is missing"));
      } else if (want != null && !stored.get().spec().equals(want.spec())) {
        findings.add(
            key + ": stored spec " + stored.get().spec() + " but the model has " + want.spec());
      }
      if (stored.isPresent()) {
        List<HistoryEntry> history = reader.history(key);
        for (int i = 1; i < history.size(); i++) {
          if (history.get(i).generation() != history.get(i - 1).generation() + 1) {
            findings.add(key + ": history generations not consecutive: " + history);
            break;
          }
        }
      }
    }
  }

  /**
   * One status leader at a time, its writes fenced: every transaction that wrote conditions carries
   * the writer's stamp ({@code Keyspace.CONDITIONS_WRITER}), and the term it names was current at
   * the transaction's revision and was won by the replica it names. A deposed leader's write that
   * slipped past its fence would name a term that had ended, or land in a gap between terms. Read
   * from the run's {@link EtcdHistory}.
   */
  private void statusWritesInsideTerms(List<String> findings) {
    long head;
    try {
      head =
          cluster
              .etcdClient()
              .getKVClient()
              .get(ByteSequence.from(Keyspace.LEADER, StandardCharsets.UTF_8))
              .get(10, TimeUnit.SECONDS)
              .getHeader()
              .getRevision();
    } catch (Exception e) {
      findings.add("etcd did not answer for the history check: " + e);
      return;
    }
    EtcdHistory history = cluster.history();
    if (!history.awaitRevision(head, Duration.ofSeconds(30))) {
      findings.add(
          "etcd's history watch reached revision "
              + history.lastRevision()
              + " of "
              + head
              + history.failure().map(f -> " (" + f + ")").orElse(""));
      return;
    }
    List<EtcdHistory.Term> terms = history.terms();
    if (history.conditionWrites().isEmpty()) {
      findings.add("no condition was written during the run: the leader check saw nothing");
    }
    for (EtcdHistory.ConditionWrite write : history.conditionWrites()) {
      long revision = write.revision();
      EtcdHistory.Stamp stamp = write.stamp();
      Optional<EtcdHistory.Term> current =
          terms.stream().filter(t -> t.holds(revision)).findFirst();
      if (current.isEmpty()) {
        findings.add(
            "a condition written at revision "
                + revision
                + " outside every leader's term "
                + terms);
      } else if (stamp == null) {
        findings.add("conditions written at revision " + revision + " without the writer's stamp");
      } else if (stamp.term() != current.get().created()
          || !current.get().replica().equals(stamp.replica())) {
        findings.add(
            "conditions written at revision "
                + revision
                + " by "
                + stamp.replica()
                + " in term "
                + stamp.term()
                + ", while the term was "
                + current.get());
      }
    }
  }
}
