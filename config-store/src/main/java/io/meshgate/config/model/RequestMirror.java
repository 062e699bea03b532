package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Required;

/** Sends a copy of requests (shadow traffic) to another backend; its responses are ignored. */
@Doc("Sends a copy of requests (shadow traffic) to another backend; its responses are ignored.")
public record RequestMirror(
    @Required BackendRef backendRef,
    @Range(min = 0, max = 100) @Doc("Share of requests mirrored; default all.") Integer percent,
    @Doc("Share as a fraction; not with percent.") Fraction fraction) {
  public RequestMirror {
    requireNonNull(backendRef, "backendRef");
  }
}
