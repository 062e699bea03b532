package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;

/** One rule: a request that matches the principal and the operation gets the action. */
@Doc("One rule: a request that matches the principal and the operation gets the action.")
public record AuthorizationRule(
    @Required @Pattern(value = Patterns.NAME, maxLength = 253) String name,
    @Required @Doc("Allow or Deny.") PermissionAction action,
    @Doc("Whose requests; absent: everyone's.") AuthorizationPrincipal principal,
    @Doc("Which requests; absent: every request.") PermissionOperation operation) {
  public AuthorizationRule {
    requireNonNull(name, "name");
    requireNonNull(action, "action");
  }
}
