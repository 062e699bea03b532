package io.meshgate.xds.envoy;

import io.envoyproxy.envoy.config.common.mutation_rules.v3.HeaderMutation;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutationPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.Mutations;
import java.util.List;

/**
 * Removes from the client's request, before the filters that write them, the headers a later filter
 * of the route writes as verified ({@code envoy.filters.http.header_mutation}, per route): the
 * headers the route's JWT providers copy claims to, and those an external authorization service
 * sets on an OK answer. Both write a header only when they have a value (a token with that claim,
 * an answer that sets it): without this, the client's own value would reach the upstream under a
 * header the upstream trusts. The route's {@code request_headers_to_remove} is no help: the router
 * applies it after those filters ran, so it would remove the verified values too.
 *
 * <p>The filter sits just before {@code jwt_authn} (after API keys and basic auth, whose header
 * basic auth writes itself, replacing a client's), and only in chains that have JWT authentication
 * or external authorization (its per-route config names the headers; the filter's own config is
 * empty and does nothing).
 */
final class UntrustedHeaders {
  static final String NAME = "meshgate.untrusted_headers";

  private UntrustedHeaders() {}

  /** The filter's own config: no mutation, so routes without per-route config are unchanged. */
  static io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutation filter() {
    return io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutation
        .getDefaultInstance();
  }

  /** The route's removals, lower-case. */
  static HeaderMutationPerRoute perRoute(List<String> headers) {
    Mutations.Builder mutations = Mutations.newBuilder();
    for (String header : headers) {
      mutations.addRequestMutations(HeaderMutation.newBuilder().setRemove(header));
    }
    return HeaderMutationPerRoute.newBuilder().setMutations(mutations).build();
  }
}
