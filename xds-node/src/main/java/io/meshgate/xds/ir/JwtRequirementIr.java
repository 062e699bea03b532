package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * What a route asks of a request: a JWT that one of the providers verifies.
 *
 * @param name {@code <namespace>/<policy>}: the SecurityPolicy the requirement comes from
 * @param providers {@link JwtProviderIr} names, sorted; at least one
 * @param allowMissing a request without a token passes (unverified); one with a token that fails is
 *     still refused
 * @param claimHeaders the headers the providers write claims to, sorted: removed from the client's
 *     request before verification, so that only a verified claim reaches the upstream under them
 */
public record JwtRequirementIr(
    String name, List<String> providers, boolean allowMissing, List<String> claimHeaders) {
  public JwtRequirementIr {
    requireNonNull(name, "name");
    claimHeaders = Lists.copy(claimHeaders).stream().distinct().sorted().toList();
    providers = Lists.copy(providers).stream().sorted().toList();
    if (providers.isEmpty()) {
      throw new IllegalArgumentException("requirement " + name + ": no provider");
    }
  }
}
