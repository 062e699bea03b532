package io.meshgate.discovery;

import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.HealthStatus;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.StaticEndpoint;
import io.meshgate.config.model.WorkloadPort;
import io.meshgate.config.model.WorkloadSource;
import io.meshgate.config.model.WorkloadSpec;
import io.meshgate.config.store.ConfigSnapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Endpoints that need no outside system: those listed in a Backend ({@code static}), and registered
 * VMs ({@code Workload} resources picked by a Backend's {@code workloads} selector; only Passing
 * ones), whose labels become the endpoint's metadata as they are. Pure: the same config gives the
 * same snapshot.
 */
public final class StaticEndpointSource {
  private StaticEndpointSource() {}

  public static EndpointSnapshot from(ConfigSnapshot config) {
    Map<io.meshgate.config.model.ResourceKey, List<DiscoveredEndpoint>> endpoints = new HashMap<>();
    List<Resource> workloads = config.ofKind(Kind.WORKLOAD);
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
      if (!found.isEmpty()) {
        endpoints.put(backend.key(), found);
      }
    }
    return new EndpointSnapshot(endpoints);
  }

  private static List<DiscoveredEndpoint> selected(
      Resource backend, WorkloadSource source, List<Resource> workloads) {
    List<DiscoveredEndpoint> found = new ArrayList<>();
    Map<String, String> wanted = source.selector().matchLabels();
    for (Resource workload : workloads) {
      if (!workload.metadata().namespace().equals(backend.metadata().namespace())
          || !workload.metadata().labels().entrySet().containsAll(wanted.entrySet())) {
        continue;
      }
      WorkloadSpec spec = workload.spec(WorkloadSpec.class);
      if (spec.health() != null && spec.health().status() != HealthStatus.PASSING) {
        continue;
      }
      Optional<WorkloadPort> port =
          source.port() == null
              ? spec.ports().stream().findFirst()
              : spec.ports().stream().filter(p -> p.name().equals(source.port())).findFirst();
      String provenance = "workload/" + workload.metadata().name();
      port.ifPresent(
          p ->
              found.add(
                  new DiscoveredEndpoint(
                      spec.address(),
                      p.port(),
                      spec.weight(),
                      spec.zone(),
                      spec.region(),
                      provenance,
                      EndpointHealth.HEALTHY,
                      0,
                      EndpointMetadata.bounded(workload.metadata().labels(), provenance))));
    }
    return found;
  }
}
