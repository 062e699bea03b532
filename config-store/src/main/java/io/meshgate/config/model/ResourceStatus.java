package io.meshgate.config.model;

import java.util.List;

/** Conditions in Gateway API's vocabulary (Accepted, ResolvedRefs, Programmed). */
public record ResourceStatus(List<Condition> conditions) {
  public ResourceStatus {
    conditions = Copies.list(conditions);
  }
}
