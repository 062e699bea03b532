package io.meshgate.xds.envoy;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBACPerRoute;
import io.meshgate.xds.ir.IpAccessIr;
import io.meshgate.xds.ir.IpAccessIr.CidrIr;
import io.meshgate.xds.ir.IpAccessIr.ClientAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A SecurityPolicy's {@code ipAccess} as Envoy's RBAC filter: the filter sits in every Gateway
 * chain with no rules (it enforces nothing), and each route with an {@code ipAccess} carries an
 * {@link RBACPerRoute}. A request it refuses is answered 403.
 *
 * <p>One filter, one ALLOW policy: its principal is "in an allowed block (or anywhere, when none is
 * listed) and not in a denied block", so deny wins over allow and a non-empty allow list refuses
 * the rest. Two filters (DENY, then ALLOW, as {@link Access} does for TrafficPermissions) would say
 * the same with a second filter in every chain and a second per-route config to keep in step.
 *
 * <p>The address is the TCP peer's ({@code direct_remote_ip}), never one read from {@code
 * X-Forwarded-For}: without {@code use_remote_address} Envoy's {@code remote_ip} would be the
 * rightmost X-Forwarded-For entry, which any client writes. Only on a listener that states its
 * trusted proxies ({@code clientIPDetection}), whose connection manager then sets {@code
 * use_remote_address} and {@code xff_num_trusted_hops}, is it {@code remote_ip}: the entry the
 * trusted proxies wrote.
 */
final class IpRules {
  /**
   * The filter's name in the chain: not {@code envoy.filters.http.rbac}, which is the RBAC on
   * verified identity after JWT authentication ({@link Authorization}).
   */
  static final String NAME = "meshgate.ip_access";

  private IpRules() {}

  /** The filter's own config: no rules, so nothing is enforced where a route says nothing. */
  static io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC filter() {
    return io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDefaultInstance();
  }

  /** A route's rules. */
  static RBACPerRoute perRoute(IpAccessIr access) {
    List<Principal> parts = new ArrayList<>();
    if (!access.allow().isEmpty()) {
      parts.add(anyOf(access.allow(), access.client()));
    }
    if (!access.deny().isEmpty()) {
      parts.add(Principal.newBuilder().setNotId(anyOf(access.deny(), access.client())).build());
    }
    Principal principal =
        switch (parts.size()) {
          case 0 -> Principal.newBuilder().setAny(true).build();
          case 1 -> parts.get(0);
          default ->
              Principal.newBuilder().setAndIds(Principal.Set.newBuilder().addAllIds(parts)).build();
        };
    RBAC rules =
        RBAC.newBuilder()
            .setAction(RBAC.Action.ALLOW)
            .putPolicies(
                "ip-access",
                Policy.newBuilder()
                    .addPermissions(Permission.newBuilder().setAny(true))
                    .addPrincipals(principal)
                    .build())
            .build();
    return RBACPerRoute.newBuilder()
        .setRbac(
            io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder().setRules(rules))
        .build();
  }

  private static Principal anyOf(List<CidrIr> blocks, ClientAddress client) {
    Principal.Set.Builder set = Principal.Set.newBuilder();
    for (CidrIr block : blocks) {
      CidrRange range =
          CidrRange.newBuilder()
              .setAddressPrefix(block.address())
              .setPrefixLen(UInt32Value.of(block.prefixLength()))
              .build();
      set.addIds(
          client == ClientAddress.FORWARDED
              ? Principal.newBuilder().setRemoteIp(range)
              : Principal.newBuilder().setDirectRemoteIp(range));
    }
    return blocks.size() == 1 ? set.getIds(0) : Principal.newBuilder().setOrIds(set).build();
  }
}
