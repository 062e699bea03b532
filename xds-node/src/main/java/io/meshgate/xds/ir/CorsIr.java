package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A route's CORS policy (a SecurityPolicy's {@code cors}): which browser origins may call it and
 * what the preflight answer allows.
 *
 * @param allowOrigins exact origins and wildcard patterns (as RE2), in the policy's order; empty:
 *     no origin is allowed
 * @param allowMethods the methods a preflight allows, in the policy's order
 * @param allowHeaders the request headers a preflight allows
 * @param exposeHeaders the response headers a script may read
 * @param maxAgeSeconds how long a browser may cache a preflight answer; null: the browser decides
 * @param allowCredentials whether a request with cookies or credentials may be answered
 * @param policy the SecurityPolicy it comes from
 */
public record CorsIr(
    List<StringMatchIr> allowOrigins,
    List<String> allowMethods,
    List<String> allowHeaders,
    List<String> exposeHeaders,
    Long maxAgeSeconds,
    boolean allowCredentials,
    SourceRef policy) {
  public CorsIr {
    allowOrigins = Lists.copy(allowOrigins);
    allowMethods = Lists.copy(allowMethods);
    allowHeaders = Lists.copy(allowHeaders);
    exposeHeaders = Lists.copy(exposeHeaders);
    requireNonNull(policy, "policy");
  }
}
