package io.meshgate.xds.resolve;

import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.HttpMethod;
import io.meshgate.config.model.HttpPathMatch;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.PathMatchType;
import io.meshgate.config.model.PermissionAction;
import io.meshgate.config.model.PermissionOperation;
import io.meshgate.config.model.PermissionSource;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.TrafficPermissionSpec;
import io.meshgate.xds.ir.AccessIr;
import io.meshgate.xds.ir.PathMatchIr;
import io.meshgate.xds.ir.ProblemReason;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Who may call each in-mesh Backend: its TrafficPermissions, as access rules. A permission whose
 * Backend is missing or not in the mesh is reported on the permission and applies to nothing.
 */
final class MeshAccess {
  private final Context context;

  MeshAccess(Context context) {
    this.context = context;
  }

  /** The access of an in-mesh Backend, for the callers of its workloads. */
  AccessIr of(ResourceKey backend) {
    List<Resource> permissions = byBackend().getOrDefault(backend, List.of());
    List<AccessIr.Rule> denies = new ArrayList<>();
    List<AccessIr.Rule> allows = new ArrayList<>();
    for (Resource permission : permissions) {
      TrafficPermissionSpec spec = permission.spec(TrafficPermissionSpec.class);
      AccessIr.Rule rule = rule(permission, spec);
      (spec.action() == PermissionAction.DENY ? denies : allows).add(rule);
    }
    return new AccessIr(
        denies, allows, context.mesh.defaultPermission() == MeshSettings.DefaultPermission.ALLOW);
  }

  /**
   * Whether a permission asks for HTTP methods or paths: a TCP Backend cannot honour them, so the
   * caller reports it.
   */
  boolean hasOperations(ResourceKey backend) {
    return byBackend().getOrDefault(backend, List.of()).stream()
        .anyMatch(p -> p.spec(TrafficPermissionSpec.class).to() != null);
  }

  private AccessIr.Rule rule(Resource permission, TrafficPermissionSpec spec) {
    String namespace = permission.metadata().namespace();
    List<AccessIr.Principal> principals = new ArrayList<>();
    for (PermissionSource source : spec.from()) {
      if (source.spiffeId() != null) {
        principals.add(new AccessIr.Principal.Exact(source.spiffeId()));
      } else if (source.serviceAccount() != null) {
        String ns = source.namespace() == null ? namespace : source.namespace();
        principals.add(
            new AccessIr.Principal.Exact(context.mesh.spiffeId(ns, source.serviceAccount())));
      } else {
        principals.add(
            new AccessIr.Principal.Prefix(
                context.mesh.trustBundle() + "/ns/" + source.namespace() + "/"));
      }
    }
    List<String> methods = new ArrayList<>();
    List<PathMatchIr> paths = new ArrayList<>();
    PermissionOperation to = spec.to();
    if (to != null) {
      to.methods().stream().map(HttpMethod::name).forEach(methods::add);
      for (HttpPathMatch path : to.paths()) {
        paths.add(
            path.type() == PathMatchType.EXACT
                ? new PathMatchIr.Exact(path.value())
                : new PathMatchIr.Prefix(path.value()));
      }
    }
    return new AccessIr.Rule(
        Names.permission(permission.key()), principals, methods, paths, Context.source(permission));
  }

  /** Permissions by the Backend they target; problems for those that target nothing usable. */
  private Map<ResourceKey, List<Resource>> byBackend() {
    return context.memo(
        "permissionsByBackend",
        () -> {
          Map<ResourceKey, List<Resource>> index = new HashMap<>();
          for (Resource permission : context.config.ofKind(Kind.TRAFFIC_PERMISSION)) {
            TrafficPermissionSpec spec = permission.spec(TrafficPermissionSpec.class);
            ResourceKey target =
                new ResourceKey(
                    Kind.BACKEND, permission.metadata().namespace(), spec.targetRef().name());
            Resource backend = context.get(target).orElse(null);
            if (backend == null) {
              context.problem(
                  permission,
                  "/spec/targetRef",
                  ProblemReason.TARGET_NOT_FOUND,
                  "Backend '"
                      + target.name()
                      + "' not found in namespace "
                      + target.namespace()
                      + "; this permission applies to nothing");
              continue;
            }
            if (backend.spec(BackendSpec.class).mesh() == null) {
              context.problem(
                  permission,
                  "/spec/targetRef",
                  ProblemReason.INVALID,
                  "Backend '"
                      + target.name()
                      + "' is not in the mesh (it has no spec.mesh); this permission applies to"
                      + " nothing");
              continue;
            }
            index.computeIfAbsent(target, k -> new ArrayList<>()).add(permission);
          }
          return index;
        });
  }
}
