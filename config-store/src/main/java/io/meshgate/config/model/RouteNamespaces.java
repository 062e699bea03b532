package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;

/** Namespaces routes may attach from. */
@Doc("Namespaces routes may attach from.")
public record RouteNamespaces(
    @Default("Same") @Doc("Same (default), All, or Selector.") FromNamespaces from,
    @Doc("With from: Selector; matches namespace labels.") LabelSelector selector) {
  public RouteNamespaces {
    from = from == null ? FromNamespaces.SAME : from;
  }
}
