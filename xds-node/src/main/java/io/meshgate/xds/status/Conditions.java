package io.meshgate.xds.status;

import io.meshgate.config.model.BackendTlsPolicySpec;
import io.meshgate.config.model.Condition;
import io.meshgate.config.model.ConditionStatus;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.PolicyTargetRef;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.TrafficPolicySpec;
import io.meshgate.xds.ir.Problem;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.ir.SourceRef;
import io.meshgate.xds.serve.ErrorDetails;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The ResolvedRefs condition of every resource from one resolution's problems: True when none names
 * the resource, else False with the first problem's reason and every problem's path and text. And
 * the Programmed condition from the replicas' ACK summaries. Pure: the writer adds transition
 * times.
 */
public final class Conditions {
  public static final String RESOLVED_REFS = "ResolvedRefs";
  public static final String PROGRAMMED = "Programmed";

  /**
   * A Backend fed by an outside source (Consul): True while the source does not answer and its last
   * endpoints are served.
   */
  public static final String ENDPOINTS_STALE = "EndpointsStale";

  /** Programmed=False's reason while proxies have not taken the resource (or none is connected). */
  public static final String PENDING = "Pending";

  /** Programmed=False's reason when a proxy rejected the resource: waiting will not help. */
  public static final String INVALID = "Invalid";

  private static final int MAX_LISTED = 8;

  private Conditions() {}

  /**
   * Where a Backend's outside source stands, as the status shows it.
   *
   * @param staleSince null while the source answers
   */
  public record Freshness(String source, @Nullable Instant staleSince, @Nullable String problem) {}

  /**
   * EndpointsStale for every Backend whose outside source has answered or failed: True (reason
   * SourceUnavailable) with the source, since when and why, while it does not answer; False (reason
   * SourceAnswering) while it does.
   */
  public static Map<ResourceKey, Desired> endpointsStale(
      Iterable<Resource> resources, Map<ResourceKey, Freshness> sources) {
    Map<ResourceKey, Desired> desired = new LinkedHashMap<>();
    for (Resource resource : resources) {
      Freshness freshness = sources.get(resource.key());
      if (resource.kind() != Kind.BACKEND || freshness == null) {
        continue;
      }
      long generation =
          resource.metadata().generation() == null ? 0 : resource.metadata().generation();
      desired.put(
          resource.key(),
          freshness.staleSince() == null
              ? new Desired(
                  ENDPOINTS_STALE,
                  ConditionStatus.FALSE,
                  "SourceAnswering",
                  freshness.source() + " answers",
                  generation)
              : new Desired(
                  ENDPOINTS_STALE,
                  ConditionStatus.TRUE,
                  "SourceUnavailable",
                  freshness.source()
                      + " has not answered since "
                      + freshness.staleSince().truncatedTo(ChronoUnit.SECONDS)
                      + "; its last endpoints are served"
                      + (freshness.problem() == null ? "" : ": " + freshness.problem()),
                  generation));
    }
    return desired;
  }

  /** A condition without its transition time, which the writer keeps or sets. */
  public record Desired(
      String type, ConditionStatus status, String reason, String message, long generation) {
    Condition at(String lastTransitionTime) {
      return new Condition(type, status, reason, message, generation, lastTransitionTime);
    }

    boolean sameAs(Condition c) {
      return c != null
          && type.equals(c.type())
          && status == c.status()
          && reason.equals(c.reason())
          && message.equals(c.message())
          && c.observedGeneration() != null
          && generation == c.observedGeneration();
    }
  }

  /** ResolvedRefs for every resource of the config but Secrets (their users carry the problem). */
  public static Map<ResourceKey, Desired> resolvedRefs(
      Iterable<Resource> resources, List<Problem> problems) {
    Map<ResourceKey, List<Problem>> bySource = new LinkedHashMap<>();
    for (Problem problem : problems) {
      bySource.computeIfAbsent(problem.source().key(), k -> new ArrayList<>()).add(problem);
    }
    Map<ResourceKey, Desired> desired = new LinkedHashMap<>();
    for (Resource resource : resources) {
      if (resource.kind() == Kind.SECRET) {
        continue;
      }
      long generation =
          resource.metadata().generation() == null ? 0 : resource.metadata().generation();
      List<Problem> own = bySource.getOrDefault(resource.key(), List.of());
      desired.put(resource.key(), resolvedRefs(own, generation));
    }
    return desired;
  }

  static Desired resolvedRefs(List<Problem> problems, long generation) {
    if (problems.isEmpty()) {
      return new Desired(
          RESOLVED_REFS,
          ConditionStatus.TRUE,
          RESOLVED_REFS,
          "every reference resolved",
          generation);
    }
    StringBuilder message = new StringBuilder();
    for (int i = 0; i < problems.size() && i < MAX_LISTED; i++) {
      if (i > 0) {
        message.append("; ");
      }
      message.append(problems.get(i).path()).append(": ").append(problems.get(i).text());
    }
    if (problems.size() > MAX_LISTED) {
      message.append("; and ").append(problems.size() - MAX_LISTED).append(" more");
    }
    return new Desired(
        RESOLVED_REFS,
        ConditionStatus.FALSE,
        problems.get(0).reason().wireName(),
        message.toString(),
        generation);
  }

  /**
   * Proxies in one state as a replica reports them (AckReporter): {@code count} of them, {@code
   * node} one of them.
   */
  public record ProxyAck(
      String replica,
      String group,
      String node,
      AckState state,
      long ackedRevision,
      String typeUrl,
      String errorDetail,
      int count) {}

  /** What every replica reports: its built revision, and its proxies by group. */
  public record Fleet(Map<String, Long> builtRevisions, Map<String, List<ProxyAck>> byGroup) {}

  /** The proxy groups each resource reaches. */
  public static Map<ResourceKey, Set<String>> groupsOf(
      ResolvedIr resolved, Iterable<Resource> resources) {
    Map<ResourceKey, Set<String>> groups = new HashMap<>();
    for (ProxyGroupIr group : resolved.groups()) {
      Consumer<SourceRef> add =
          s -> groups.computeIfAbsent(s.key(), k -> new TreeSet<>()).add(group.name());
      group.listeners().forEach(l -> l.sources().forEach(add));
      group.clusters().forEach(c -> c.sources().forEach(add));
      group.routeTables().stream()
          .flatMap(t -> t.virtualHosts().stream())
          .flatMap(h -> h.routes().stream())
          .forEach(r -> add.accept(r.source()));
    }
    // Policies reach what their targets reach.
    for (Resource resource : resources) {
      List<PolicyTargetRef> targets =
          resource.kind() == Kind.TRAFFIC_POLICY
              ? resource.spec(TrafficPolicySpec.class).targetRefs()
              : resource.kind() == Kind.BACKEND_TLS_POLICY
                  ? resource.spec(BackendTlsPolicySpec.class).targetRefs()
                  : List.of();
      for (var target : targets) {
        Optional<Kind> kind =
            "Service".equals(target.kind()) ? Optional.of(Kind.BACKEND) : Kind.find(target.kind());
        if (kind.isEmpty()) {
          continue;
        }
        Set<String> reached =
            groups.getOrDefault(
                new ResourceKey(kind.get(), resource.metadata().namespace(), target.name()),
                Set.of());
        if (!reached.isEmpty()) {
          groups.computeIfAbsent(resource.key(), k -> new TreeSet<>()).addAll(reached);
        }
      }
    }
    return groups;
  }

  /**
   * Programmed for every resource that reaches proxies (all but Secrets and ReferenceGrants): True
   * once every connected proxy of its groups holds a snapshot built from a revision at or after the
   * resource's last write; False/Invalid when one rejected such a snapshot; False/Pending
   * otherwise, including when no proxy of its groups is connected.
   */
  public static Map<ResourceKey, Desired> programmed(
      Iterable<Resource> resources, Map<ResourceKey, Set<String>> groups, Fleet fleet) {
    Map<ResourceKey, Desired> desired = new LinkedHashMap<>();
    for (Resource resource : resources) {
      if (resource.kind() == Kind.SECRET || resource.kind() == Kind.REFERENCE_GRANT) {
        continue;
      }
      long generation =
          resource.metadata().generation() == null ? 0 : resource.metadata().generation();
      long written =
          resource.metadata().resourceVersion() == null ? 0 : resource.metadata().resourceVersion();
      Set<String> reached = groups.getOrDefault(resource.key(), Set.of());
      List<ProxyAck> proxies =
          reached.stream()
              .flatMap(g -> fleet.byGroup().getOrDefault(g, List.of()).stream())
              .toList();
      desired.put(resource.key(), programmed(reached, proxies, fleet, written, generation));
    }
    return desired;
  }

  static Desired programmed(
      Set<String> groups, List<ProxyAck> proxies, Fleet fleet, long written, long generation) {
    if (groups.isEmpty()) {
      return new Desired(
          PROGRAMMED,
          ConditionStatus.FALSE,
          PENDING,
          "no proxy group uses this resource",
          generation);
    }
    if (proxies.isEmpty()) {
      return new Desired(
          PROGRAMMED,
          ConditionStatus.FALSE,
          PENDING,
          "no proxy of " + String.join(", ", groups) + " is connected",
          generation);
    }
    int done = 0;
    int connected = proxies.stream().mapToInt(ProxyAck::count).sum();
    for (ProxyAck proxy : proxies) {
      long built = fleet.builtRevisions().getOrDefault(proxy.replica(), -1L);
      boolean holds =
          proxy.ackedRevision() >= written
              || (proxy.state() == AckState.SYNCED && built >= written);
      if (holds) {
        done += proxy.count();
      } else if (proxy.state() == AckState.REJECTED && built >= written) {
        return new Desired(
            PROGRAMMED,
            ConditionStatus.FALSE,
            INVALID,
            "proxy "
                + proxy.node()
                + " of "
                + proxy.group()
                + " (replica "
                + proxy.replica()
                + ") rejected "
                + proxy.typeUrl().substring(proxy.typeUrl().lastIndexOf('.') + 1)
                + ": "
                + ErrorDetails.cut(proxy.errorDetail()),
            generation);
      }
    }
    if (done == connected) {
      return new Desired(
          PROGRAMMED,
          ConditionStatus.TRUE,
          PROGRAMMED,
          "all " + done + " connected proxies of " + String.join(", ", groups) + " hold it",
          generation);
    }
    return new Desired(
        PROGRAMMED,
        ConditionStatus.FALSE,
        PENDING,
        (connected - done)
            + " of "
            + connected
            + " connected proxies of "
            + String.join(", ", groups)
            + " do not hold it yet",
        generation);
  }
}
