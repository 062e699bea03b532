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

/**
 * Endpoints that need no outside system: those listed in a Backend ({@code static}), and VMs picked
 * by a Backend's {@code workloads} selector — {@code Workload} resources published like any other
 * (only Passing ones) and Workloads agents hold registered, with the health their checks report. A
 * registration replaces a published Workload of the same namespace and name: it is what the VM says
 * about itself now. A Workload's labels become its endpoint's metadata as they are. Pure: the same
 * inputs give the same snapshot.
 */
public final class StaticEndpointSource {
  private StaticEndpointSource() {}

  /** Without registrations: what the config lists itself. */
  public static EndpointSnapshot from(ConfigSnapshot config) {
    return from(config, Registrations.empty());
  }

  public static EndpointSnapshot from(ConfigSnapshot config, Registrations registrations) {
    Map<ResourceKey, List<DiscoveredEndpoint>> endpoints = new HashMap<>();
    List<Candidate> workloads = candidates(config, registrations);
    Map<ResourceKey, List<DiscoveredEndpoint>> bySidecars = sidecarEndpoints(config, registrations);
    for (Resource backend : config.ofKind(Kind.BACKEND)) {
      BackendSpec spec = backend.spec(BackendSpec.class);
      List<DiscoveredEndpoint> found = new ArrayList<>();
      if (spec.staticEndpoints() != null) {
        for (StaticEndpoint e : spec.staticEndpoints().endpoints()) {
          found.add(
              new DiscoveredEndpoint(
                  e.address(), e.port(), e.weight(), e.zone(), e.region(), "static"));
        }
      }
      if (spec.workloads() != null) {
        found.addAll(selected(backend, spec.workloads(), workloads));
      }
      found.addAll(bySidecars.getOrDefault(backend.key(), List.of()));
      if (!found.isEmpty()) {
        endpoints.put(backend.key(), found);
      }
    }
    return new EndpointSnapshot(endpoints);
  }

  /**
   * A Workload a selector may pick: published (health from its spec, only Passing ones) or
   * registered (health from its agent's last check).
   */
  private record Candidate(Resource workload, EndpointHealth health, String source) {}

  private static List<Candidate> candidates(ConfigSnapshot config, Registrations registrations) {
    List<Candidate> candidates = new ArrayList<>();
    for (Resource workload : config.ofKind(Kind.WORKLOAD)) {
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
      ConfigSnapshot config, Registrations registrations) {
    Map<ResourceKey, ResourceKey> serviceOf = new HashMap<>();
    for (Resource sidecar : config.ofKind(Kind.SIDECAR)) {
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
