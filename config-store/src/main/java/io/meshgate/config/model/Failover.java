package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/**
 * Zones in order of preference: traffic goes to endpoints of the first zone while enough of them
 * are healthy, then spills to the next; endpoints of unlisted zones come last.
 */
@Doc(
    "Zones in order of preference: traffic goes to endpoints of the first zone while enough of them are healthy (Envoy's overprovisioning factor, 1.4), then spills to the next; endpoints of unlisted zones come last. Pair it with outlierDetection or healthCheck so that unhealthy endpoints are noticed.")
public record Failover(
    @Required
        @Size(min = 1, max = 16)
        @Pattern(value = Patterns.LABEL_VALUE, maxLength = 63)
        @Doc("Endpoint zones, most preferred first.")
        List<String> zones) {
  public Failover {
    zones = Copies.list(zones);
  }
}
