package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * What a route asks of a request: a JWT that one of the providers verifies.
 *
 * @param name {@code <namespace>/<policy>}: the SecurityPolicy the requirement comes from
 * @param providers {@link JwtProviderIr} names, sorted; at least one
 */
public record JwtRequirementIr(String name, List<String> providers) {
  public JwtRequirementIr {
    requireNonNull(name, "name");
    providers = Lists.copy(providers).stream().sorted().toList();
    if (providers.isEmpty()) {
      throw new IllegalArgumentException("requirement " + name + ": no provider");
    }
  }
}
