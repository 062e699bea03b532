package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;

/** meshgate's own CA, for standalone meshes. */
@Doc("meshgate's own CA, for standalone meshes.")
public record BuiltinCa(@Pattern(Patterns.DURATION) @Doc("Default 24h.") String certTTL) {}
