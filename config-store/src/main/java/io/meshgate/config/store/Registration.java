package io.meshgate.config.store;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.HealthStatus;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import java.time.Instant;

/**
 * A Workload an agent registered through an xds-node, as stored at {@link
 * Keyspace#registration(ResourceKey)} under the lease its reports renew.
 *
 * @param workload the Workload resource, validated by the node that stored it
 * @param instance the agent process that holds it: another agent's registration of the same
 *     Workload is refused while this one lives
 * @param health the outcome of the agent's last health check
 * @param output what that check saw, bounded ({@value #MAX_OUTPUT} characters); empty when none
 * @param node the replica the agent registered through
 * @param since when this health was first reported
 */
public record Registration(
    Resource workload,
    String instance,
    HealthStatus health,
    String output,
    String node,
    Instant since) {
  /**
   * The label of a registration a sidecar's own ADS stream made: the Sidecar's name. Such a
   * registration is an endpoint of the Backend the Sidecar's {@code service} names.
   */
  public static final String SIDECAR_LABEL = "meshgate.io/sidecar";

  /** The longest check output kept. */
  public static final int MAX_OUTPUT = 1024;

  public Registration {
    requireNonNull(workload, "workload");
    if (workload.kind() != Kind.WORKLOAD) {
      throw new IllegalArgumentException(
          "workload: " + workload.key() + " (expected: kind Workload)");
    }
    requireNonNull(instance, "instance");
    requireNonNull(health, "health");
    output = output == null ? "" : output;
    if (output.length() > MAX_OUTPUT) {
      output = output.substring(0, MAX_OUTPUT);
    }
    requireNonNull(node, "node");
    requireNonNull(since, "since");
  }

  public ResourceKey key() {
    return workload.key();
  }

  /** The same registration with another health report. */
  public Registration reported(HealthStatus health, String output, Instant at) {
    return new Registration(
        workload, instance, health, output, node, health == this.health ? since : at);
  }
}
