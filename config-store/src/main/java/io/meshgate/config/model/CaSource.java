package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;

/** Exactly one CA. */
@Doc("Exactly one CA.")
public record CaSource(ConsulCa consul, IstioCa istio, BuiltinCa builtin) {}
