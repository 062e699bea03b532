package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** A claim that must hold one of the values ({@code a.b} names a nested claim). */
@Doc("A claim that must hold one of the values (a.b names a nested claim).")
public record JwtClaimMatch(
    @Required @Size(min = 1, max = 256) String name,
    @Required @Size(min = 1, max = 16) List<String> values,
    @Default("String")
        @Doc("String, or StringArray: the claim is a list holding one of the values.")
        JwtClaimValueType valueType) {
  public JwtClaimMatch {
    requireNonNull(name, "name");
    values = Copies.list(values);
    valueType = valueType == null ? JwtClaimValueType.STRING : valueType;
  }
}
