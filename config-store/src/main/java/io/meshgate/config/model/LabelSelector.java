package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import java.util.Map;

/** Selects by labels: every pair must match. */
@Doc("Selects by labels: every pair must match.")
public record LabelSelector(Map<String, String> matchLabels) {
  public LabelSelector {
    matchLabels = Copies.map(matchLabels);
  }
}
