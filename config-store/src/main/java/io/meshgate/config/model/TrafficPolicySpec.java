package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/**
 * Traffic settings attached to a Gateway, listener, route, rule or Backend; the most specific
 * attachment wins, field by field.
 */
@Doc(
    "Traffic settings attached to a Gateway, listener, route, rule or Backend; the most specific attachment wins, field by field.")
public record TrafficPolicySpec(
    @Required @Size(min = 1, max = 16) List<PolicyTargetRef> targetRefs,
    PolicyTimeouts timeout,
    RetryPolicy retry,
    CircuitBreaker circuitBreaker,
    OutlierDetection outlierDetection,
    HealthCheck healthCheck,
    LoadBalancer loadBalancer,
    Failover failover,
    RateLimit rateLimit,
    FaultInjection faultInjection)
    implements Spec {
  public TrafficPolicySpec {
    targetRefs = Copies.list(targetRefs);
  }
}
