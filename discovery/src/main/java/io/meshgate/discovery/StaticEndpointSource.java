package io.meshgate.discovery;

import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.HealthStatus;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.SidecarSpec;
import io.meshgate.config.model.StaticEndpoint;
import io.meshgate.config.model.WorkloadPort;
import io.meshgate.config.model.WorkloadSource;
import io.meshgate.config.model.WorkloadSpec;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.config.store.Registration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Endpoints that need no outside system: those listed in a Backend ({@code static}), and VMs picked
 * by a Backend's {@code workloads} selector — {@code Workload} resources published like any other
 * (only Passing ones) and Workloads agents hold registered, with the health their checks report. A
 * registration replaces a published Workload of the same namespace and name: it is what the VM says
 * about itself now. A Workload's labels become its endpoint's metadata as they are.
 *
 * <p>An instance kept from config to config (a pipeline's) remembers each Backend's listed
 * endpoints with the resource they came from: a Backend whose resource is the same instance as last
 * time (the etcd view keeps an unchanged resource's instance) gets its list back as the same
 * instance, without listing and merging it again, and when no Backend's list changed the snapshot
 * is the last one itself — at once when no Backend, Workload or Sidecar changed (the same
 * instances) and the registrations are the same. Whoever compares endpoints from build to build
 * then compares references. The result is always what a fresh source gives for the same inputs. Not
 * thread-safe: one pipeline thread owns an instance.
 */
public final class StaticEndpointSource {
  /** A Backend's {@code static} endpoints, merged, and the resource they were listed from. */
  private record Listed(Resource backend, List<DiscoveredEndpoint> endpoints) {}

  private Map<ResourceKey, Listed> listed = Map.of();
  private EndpointSnapshot last = EndpointSnapshot.empty();
  // What the last call read: the Backends, Workloads and Sidecars, and the registrations.
  private List<List<Resource>> lastRead = List.of();
  private @Nullable Registrations lastRegistrations;

  /** A source that remembers nothing yet. */
  public StaticEndpointSource() {}

  /** Without registrations: what the config lists itself. */
  public static EndpointSnapshot from(ConfigSnapshot config) {
    return from(config, Registrations.empty());
  }

  public static EndpointSnapshot from(ConfigSnapshot config, Registrations registrations) {
    return new StaticEndpointSource().endpoints(config, registrations);
  }

  /**
   * The endpoints {@code config} lists and the registered Workloads it picks; equal to {@link
   * #from(ConfigSnapshot, Registrations)}, sharing unchanged Backends' lists with the last call.
   */
  public EndpointSnapshot endpoints(ConfigSnapshot config, Registrations registrations) {
    List<List<Resource>> read =
        List.of(
            config.ofKind(Kind.BACKEND), config.ofKind(Kind.WORKLOAD), config.ofKind(Kind.SIDECAR));
    if (registrations == lastRegistrations && sameInstances(read, lastRead)) {
      // Nothing it is made from changed (a route's change, say): the last snapshot as it was.
      return last;
    }
    lastRegistrations = registrations;
    lastRead = read;
    Map<ResourceKey, List<DiscoveredEndpoint>> endpoints = new HashMap<>();
    Map<ResourceKey, Listed> nowListed = new HashMap<>();
    List<Candidate> workloads = candidates(read.get(1), registrations);
    Map<ResourceKey, List<DiscoveredEndpoint>> bySidecars =
        sidecarEndpoints(read.get(2), registrations);
    boolean asLast = true;
    for (Resource backend : read.get(0)) {
      BackendSpec spec = backend.spec(BackendSpec.class);
      List<DiscoveredEndpoint> own = listed(backend, spec);
      if (!own.isEmpty()) {
        nowListed.put(backend.key(), new Listed(backend, own));
      }
      List<DiscoveredEndpoint> found = own;
      List<DiscoveredEndpoint> others = new ArrayList<>();
      if (spec.workloads() != null) {
        others.addAll(selected(backend, spec.workloads(), workloads));
      }
      others.addAll(bySidecars.getOrDefault(backend.key(), List.of()));
      if (!others.isEmpty()) {
        found = new ArrayList<>(own);
        found.addAll(others);
      }
      if (!found.isEmpty()) {
        endpoints.put(backend.key(), found);
        asLast &= found == last.byBackend().get(backend.key());
      }
    }
    listed = nowListed;
    if (asLast && endpoints.size() == last.byBackend().size()) {
      return last;
    }
    last = new EndpointSnapshot(endpoints);
    return last;
  }

  /** Whether each list holds the very resources of the last call's, in the same order. */
  private static boolean sameInstances(List<List<Resource>> now, List<List<Resource>> before) {
    if (before.size() != now.size()) {
      return false;
    }
    for (int kind = 0; kind < now.size(); kind++) {
      List<Resource> a = now.get(kind);
      List<Resource> b = before.get(kind);
      if (a.size() != b.size()) {
        return false;
      }
      for (int i = 0; i < a.size(); i++) {
        if (a.get(i) != b.get(i)) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * A Backend's {@code static} endpoints, merged as a snapshot holds them (so a snapshot made from
   * the list keeps it): the last call's list when the Backend is the same resource.
   */
  private List<DiscoveredEndpoint> listed(Resource backend, BackendSpec spec) {
    Listed before = listed.get(backend.key());
    if (before != null && before.backend() == backend) {
      return before.endpoints();
    }
    if (spec.staticEndpoints() == null) {
      return List.of();
    }
    List<DiscoveredEndpoint> found = new ArrayList<>();
    for (StaticEndpoint e : spec.staticEndpoints().endpoints()) {
      found.add(
          new DiscoveredEndpoint(
              e.address(), e.port(), e.weight(), e.zone(), e.region(), "static"));
    }
    return EndpointSnapshot.merged(found);
  }

  /**
   * A Workload a selector may pick: published (health from its spec, only Passing ones) or
   * registered (health from its agent's last check).
   */
  private record Candidate(Resource workload, EndpointHealth health, String source) {}

  private static List<Candidate> candidates(List<Resource> published, Registrations registrations) {
    List<Candidate> candidates = new ArrayList<>();
    for (Resource workload : published) {
      if (registrations.get(workload.key()).isPresent()) {
        continue;
      }
      WorkloadSpec spec = workload.spec(WorkloadSpec.class);
      if (spec.health() != null && spec.health().status() != HealthStatus.PASSING) {
        continue;
      }
      candidates.add(
          new Candidate(
              workload, EndpointHealth.HEALTHY, "workload/" + workload.metadata().name()));
    }
    for (Registration registration : registrations.all()) {
      if (registration.workload().metadata().labels().containsKey(Registration.SIDECAR_LABEL)) {
        continue;
      }
      candidates.add(
          new Candidate(
              registration.workload(),
              registration.health() == HealthStatus.CRITICAL
                  ? EndpointHealth.UNHEALTHY
                  : EndpointHealth.HEALTHY,
              "registered/" + registration.workload().metadata().name()));
    }
    return candidates;
  }

  /**
   * The inbound endpoints sidecars' own streams registered, by the Backend their Sidecar's {@code
   * service} names: one pass over the Sidecars and one over the registrations, whatever the number
   * of Backends.
   */
  private static Map<ResourceKey, List<DiscoveredEndpoint>> sidecarEndpoints(
      List<Resource> sidecars, Registrations registrations) {
    Map<ResourceKey, ResourceKey> serviceOf = new HashMap<>();
    for (Resource sidecar : sidecars) {
      serviceOf.put(
          sidecar.key(),
          new ResourceKey(
              Kind.BACKEND,
              sidecar.metadata().namespace(),
              sidecar.spec(SidecarSpec.class).service()));
    }
    Map<ResourceKey, List<DiscoveredEndpoint>> found = new HashMap<>();
    for (Registration registration : registrations.all()) {
      Resource workload = registration.workload();
      String sidecar = workload.metadata().labels().get(Registration.SIDECAR_LABEL);
      ResourceKey backend =
          sidecar == null
              ? null
              : serviceOf.get(
                  new ResourceKey(Kind.SIDECAR, workload.metadata().namespace(), sidecar));
      if (backend == null) {
        continue;
      }
      WorkloadSpec spec = workload.spec(WorkloadSpec.class);
      found
          .computeIfAbsent(backend, k -> new ArrayList<>())
          .add(
              new DiscoveredEndpoint(
                  spec.address(),
                  spec.ports().get(0).port(),
                  spec.weight(),
                  spec.zone(),
                  spec.region(),
                  "sidecar/" + sidecar,
                  registration.health() == HealthStatus.CRITICAL
                      ? EndpointHealth.UNHEALTHY
                      : EndpointHealth.HEALTHY));
    }
    return found;
  }

  private static List<DiscoveredEndpoint> selected(
      Resource backend, WorkloadSource source, List<Candidate> candidates) {
    List<DiscoveredEndpoint> found = new ArrayList<>();
    Map<String, String> wanted = source.selector().matchLabels();
    for (Candidate candidate : candidates) {
      Resource workload = candidate.workload();
      if (!workload.metadata().namespace().equals(backend.metadata().namespace())
          || !workload.metadata().labels().entrySet().containsAll(wanted.entrySet())) {
        continue;
      }
      WorkloadSpec spec = workload.spec(WorkloadSpec.class);
      Optional<WorkloadPort> port =
          source.port() == null
              ? spec.ports().stream().findFirst()
              : spec.ports().stream().filter(p -> p.name().equals(source.port())).findFirst();
      port.ifPresent(
          p ->
              found.add(
                  new DiscoveredEndpoint(
                      spec.address(),
                      p.port(),
                      spec.weight(),
                      spec.zone(),
                      spec.region(),
                      candidate.source(),
                      candidate.health(),
                      0,
                      EndpointMetadata.bounded(workload.metadata().labels(), candidate.source()))));
    }
    return found;
  }
}
