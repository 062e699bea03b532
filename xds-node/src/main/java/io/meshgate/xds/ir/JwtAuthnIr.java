package io.meshgate.xds.ir;

import java.util.List;

/**
 * JWT authentication in one HTTP connection manager: the providers and requirements its routes
 * name, each list sorted by name. Routes that name no requirement are not checked.
 */
public record JwtAuthnIr(List<JwtProviderIr> providers, List<JwtRequirementIr> requirements) {
  public JwtAuthnIr {
    providers = Lists.copy(providers);
    requirements = Lists.copy(requirements);
  }
}
