package io.meshgate.xds.envoy;

import io.envoyproxy.envoy.config.common.mutation_rules.v3.HeaderMutation;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutationPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.Mutations;
import io.meshgate.xds.ir.JwtRequirementIr;

/**
 * Removes, before JWT authentication, the request headers a route's JWT providers write claims to
 * ({@code envoy.filters.http.header_mutation}, per route). Envoy writes a claim's header only when
 * the verified token carries that claim: without this, a token lacking the claim (or no token, on a
 * route that allows a missing one) would let the client's own value reach the upstream under a
 * header the upstream trusts. The route's {@code request_headers_to_remove} is no help: the router
 * applies it after jwt_authn has written its headers, so it would remove the verified value too.
 *
 * <p>The filter sits just before {@code jwt_authn}, and only in chains that have it (its per-route
 * config names the requirement's headers; the filter's own config is empty and does nothing).
 */
final class ClaimHeaders {
  static final String NAME = "meshgate.jwt_claim_headers";

  private ClaimHeaders() {}

  /** The filter's own config: no mutation, so routes without per-route config are unchanged. */
  static io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutation filter() {
    return io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutation
        .getDefaultInstance();
  }

  /** The route's removals; empty when the requirement's providers write no claim header. */
  static HeaderMutationPerRoute perRoute(JwtRequirementIr requirement) {
    Mutations.Builder mutations = Mutations.newBuilder();
    for (String header : requirement.claimHeaders()) {
      mutations.addRequestMutations(HeaderMutation.newBuilder().setRemove(header));
    }
    return HeaderMutationPerRoute.newBuilder().setMutations(mutations).build();
  }
}
