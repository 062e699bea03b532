package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

/**
 * The users a route takes with HTTP basic authentication (a SecurityPolicy's {@code basicAuth}).
 *
 * @param users the Secret and its one key holding htpasswd lines ({@code user:{SHA}hash})
 * @param policy the SecurityPolicy it comes from
 */
public record BasicAuthIr(SecretValuesIr users, SourceRef policy) {
  public BasicAuthIr {
    requireNonNull(users, "users");
    requireNonNull(policy, "policy");
  }
}
