package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;

/** A counter per route. */
@Doc("A counter per route.")
public record RouteSelector() {}
