package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/**
 * Which mesh identities may call an in-mesh Backend, as Istio's AuthorizationPolicy and Consul's
 * intentions say it: Deny permissions are checked first; then, if any Allow permission targets the
 * Backend, a caller must match one; otherwise the mesh's default decides.
 */
@Doc(
    "Which mesh identities may call an in-mesh Backend. Deny permissions are checked first; then, if any Allow permission targets the Backend, a caller must match one; otherwise the mesh's default (MESHGATE_MESH_DEFAULT_PERMISSION) decides.")
public record TrafficPermissionSpec(
    @Required @Doc("A Backend (kind Backend) of this namespace with spec.mesh set.")
        PolicyTargetRef targetRef,
    @Default("Allow") PermissionAction action,
    @Required @Size(min = 1, max = 64) List<PermissionSource> from,
    PermissionOperation to)
    implements Spec {
  public TrafficPermissionSpec {
    requireNonNull(targetRef, "targetRef");
    action = action == null ? PermissionAction.ALLOW : action;
    from = Copies.list(from);
  }
}
