package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** Authentication and access rules attached to a Gateway, listener, route or rule. */
@Doc("Authentication and access rules attached to a Gateway, listener, route or rule.")
public record SecurityPolicySpec(
    @Required @Size(min = 1, max = 16) List<PolicyTargetRef> targetRefs,
    JwtAuth jwt,
    OidcAuth oidc,
    ApiKeyAuth apiKeyAuth,
    BasicAuth basicAuth,
    HmacAuth hmac,
    ExtAuth extAuth,
    CorsPolicy cors,
    IpAccess ipAccess,
    Authorization authorization,
    Waf waf)
    implements Spec {
  public SecurityPolicySpec {
    targetRefs = Copies.list(targetRefs);
  }
}
