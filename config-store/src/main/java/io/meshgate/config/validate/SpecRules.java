package io.meshgate.config.validate;

import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.BackendTlsPolicySpec;
import io.meshgate.config.model.Durations;
import io.meshgate.config.model.GatewaySpec;
import io.meshgate.config.model.GrpcRouteSpec;
import io.meshgate.config.model.HttpRouteSpec;
import io.meshgate.config.model.MeshBridgeSpec;
import io.meshgate.config.model.ReferenceGrantSpec;
import io.meshgate.config.model.SecretSpec;
import io.meshgate.config.model.SecurityPolicySpec;
import io.meshgate.config.model.SidecarSpec;
import io.meshgate.config.model.Spec;
import io.meshgate.config.model.TcpRouteSpec;
import io.meshgate.config.model.TlsRouteSpec;
import io.meshgate.config.model.TrafficPermissionSpec;
import io.meshgate.config.model.TrafficPolicySpec;
import io.meshgate.config.model.TransformPolicySpec;
import io.meshgate.config.model.WorkloadSpec;
import java.util.List;
import java.util.stream.IntStream;

/** The Java rules of every kind: what a JSON Schema cannot express. Pure functions of the spec. */
final class SpecRules {
  private SpecRules() {}

  /** Runs the rules of the spec's kind, collecting into {@code problems}, and returns them all. */
  static List<Violation> check(Spec spec, Problems problems) {
    if (spec instanceof GatewaySpec gateway) {
      GatewayRules.check(gateway, problems);
    } else if (spec instanceof HttpRouteSpec route) {
      RouteRules.check(route, problems);
    } else if (spec instanceof GrpcRouteSpec route) {
      RouteRules.check(route, problems);
    } else if (spec instanceof TlsRouteSpec route) {
      RouteRules.check(route, problems);
    } else if (spec instanceof TcpRouteSpec route) {
      RouteRules.check(route, problems);
    } else if (spec instanceof ReferenceGrantSpec) {
      // The schema says all there is to say about a ReferenceGrant.
    } else if (spec instanceof BackendTlsPolicySpec policy) {
      PolicyRules.check(policy, problems);
    } else if (spec instanceof TrafficPolicySpec policy) {
      PolicyRules.check(policy, problems);
    } else if (spec instanceof SecurityPolicySpec policy) {
      PolicyRules.check(policy, problems);
    } else if (spec instanceof TransformPolicySpec policy) {
      TransformRules.check(policy, problems);
    } else if (spec instanceof BackendSpec backend) {
      BackendRules.check(backend, problems);
    } else if (spec instanceof WorkloadSpec workload) {
      BackendRules.check(workload, problems);
    } else if (spec instanceof SidecarSpec sidecar) {
      BackendRules.check(sidecar, problems);
    } else if (spec instanceof TrafficPermissionSpec permission) {
      PolicyRules.check(permission, problems);
    } else if (spec instanceof MeshBridgeSpec bridge) {
      BackendRules.check(bridge, problems);
    } else if (spec instanceof SecretSpec secret) {
      SecretRules.check(secret, problems);
    }
    return problems.violations();
  }

  /**
   * Whether duration {@code a} is longer than {@code b}. False when either is no duration: the
   * schema reports that, and the rules may run on a document it refused.
   */
  static boolean longer(String a, String b) {
    try {
      return Durations.parse(a).compareTo(Durations.parse(b)) > 0;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Reports each set field beyond the first of a group that allows exactly one. */
  static void exactlyOne(
      String path, String what, List<String> names, List<Object> values, Problems problems) {
    List<String> set =
        IntStream.range(0, names.size())
            .filter(i -> values.get(i) != null)
            .mapToObj(names::get)
            .toList();
    if (set.size() != 1) {
      problems.add(
          path,
          what
              + " needs exactly one of "
              + String.join(", ", names)
              + (set.isEmpty() ? " (none is set)" : " (set: " + String.join(", ", set) + ")"),
          null);
    }
  }

  /** At least one of the named fields is set. */
  static void atLeastOne(
      String path, String what, List<String> names, List<Object> values, Problems problems) {
    if (values.stream().allMatch(v -> v == null)) {
      problems.add(
          path,
          what + " needs at least one of " + String.join(", ", names) + " (none is set)",
          null);
    }
  }
}
