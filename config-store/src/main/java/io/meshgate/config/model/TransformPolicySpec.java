package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/**
 * Header and body transformation and response caching attached to a Gateway, listener, route or
 * rule; the most specific attachment wins, field by field (headers, cache, body).
 */
@Doc(
    "Header and body transformation and response caching attached to a Gateway, listener, route or rule; the most specific attachment wins, field by field.")
public record TransformPolicySpec(
    @Required @Size(min = 1, max = 16) List<PolicyTargetRef> targetRefs,
    TransformHeaders headers,
    ResponseCache cache,
    BodyTransform body)
    implements Spec {
  public TransformPolicySpec {
    targetRefs = Copies.list(targetRefs);
  }
}
