package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/**
 * Who may call, by verified JWT claims, methods and paths: the first rule that matches decides, and
 * defaultAction when none does.
 */
@Doc(
    "Who may call, by verified JWT claims, methods and paths: the first rule that matches decides, and defaultAction when none does.")
public record Authorization(
    @Default("Deny") @Doc("Allow or Deny, when no rule matches.") PermissionAction defaultAction,
    @Required @Size(min = 1, max = 32) List<AuthorizationRule> rules) {
  public Authorization {
    defaultAction = defaultAction == null ? PermissionAction.DENY : defaultAction;
    rules = Copies.list(rules);
  }
}
