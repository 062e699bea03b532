package io.meshgate.discovery.nomad;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.config.model.NomadSource;
import io.meshgate.discovery.EndpointHealth;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Nomad's check results for one allocation ({@code GET /v1/client/allocation/:alloc_id/checks},
 * Nomad 1.4+) as the health of a service's registration in it, and what was last read per source
 * and allocation, so that a read that fails keeps the health last known.
 *
 * <p>The answer is an object of check results by check ID, each with {@code Service}, {@code
 * Check}, {@code Mode} ({@code healthiness}, or {@code readiness} for {@code on_update = "ignore"})
 * and {@code Status}: {@code success}, {@code failure} or {@code pending} (not run yet). A
 * registration is UNHEALTHY when any check of its service, in either mode, is not {@code success}:
 * a failing check says the service should not take traffic, and a pending one has not said yet that
 * it may (Nomad's deployments treat pending as failing too, and Consul starts checks critical).
 * Checks of the allocation's other services do not count; an allocation without checks for the
 * service is HEALTHY.
 *
 * <p>Threading: thread-safe; calls for one source come from its one watch. What is remembered is,
 * per source, the allocations of its last answer ({@link #keepOnly}); a source no longer watched
 * keeps that small map (a health per allocation) until the node restarts.
 */
final class AllocationChecks {
  private static final Logger log = LoggerFactory.getLogger(AllocationChecks.class);

  /** What was last read for one allocation: its health, and whether its last read failed. */
  private record Known(EndpointHealth health, boolean failing) {}

  private final Map<NomadSource, Map<String, Known>> known = new ConcurrentHashMap<>();

  /** The health of {@code service}'s registration from an allocation's check results. */
  static EndpointHealth health(JsonNode results, String service) throws IOException {
    if (!results.isObject()) {
      throw new IOException("Nomad's check results are not an object of results: " + results);
    }
    for (JsonNode result : results) {
      if (result.path("Service").asText("").equals(service)
          && !result.path("Status").asText("").equals("success")) {
        return EndpointHealth.UNHEALTHY;
      }
    }
    return EndpointHealth.HEALTHY;
  }

  /** A successful read: remembered, and a failure logged before is closed with a log line. */
  EndpointHealth read(NomadSource source, String allocId, EndpointHealth health) {
    Known before = knownOf(source).put(allocId, new Known(health, false));
    if (before != null && before.failing()) {
      log.info("nomad/{}: the checks of allocation {} are read again", source.service(), allocId);
    }
    return health;
  }

  /**
   * A failed read: the health last known (HEALTHY for an allocation never read), logged the first
   * time in a row only.
   */
  EndpointHealth failed(NomadSource source, String allocId, Exception cause) {
    requireNonNull(cause, "cause");
    Map<String, Known> ofSource = knownOf(source);
    Known before = ofSource.get(allocId);
    EndpointHealth health = before == null ? EndpointHealth.HEALTHY : before.health();
    ofSource.put(allocId, new Known(health, true));
    if (before == null || !before.failing()) {
      log.warn(
          "nomad/{}: reading the checks of allocation {} failed; its instance stays {}: {}",
          source.service(),
          allocId,
          health,
          cause.getMessage() == null ? cause.getClass().getName() : cause.getMessage());
    }
    return health;
  }

  /** Forgets the allocations of {@code source} that its latest answer no longer holds. */
  void keepOnly(NomadSource source, Set<String> allocIds) {
    Map<String, Known> ofSource = knownOf(source);
    ofSource.keySet().retainAll(allocIds);
    if (ofSource.isEmpty()) {
      known.remove(source);
    }
  }

  private Map<String, Known> knownOf(NomadSource source) {
    return known.computeIfAbsent(source, s -> new ConcurrentHashMap<>());
  }
}
