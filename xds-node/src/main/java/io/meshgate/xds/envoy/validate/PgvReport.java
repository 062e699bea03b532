package io.meshgate.xds.envoy.validate;

import java.util.List;

/**
 * What one check found: the broken rules in walk order, and the type URLs of Any values whose
 * content could not be checked because {@code EnvoyTypes.REGISTRY} does not know their type
 * (sorted, each once). An unknown type is not a violation: Envoy may well know it; a caller that
 * builds only registered types can demand that the list be empty.
 */
public record PgvReport(List<PgvViolation> violations, List<String> uncheckedTypes) {
  public PgvReport {
    violations = List.copyOf(violations);
    uncheckedTypes = List.copyOf(uncheckedTypes);
  }
}
