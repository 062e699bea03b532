package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The API keys a route takes (a SecurityPolicy's {@code apiKeyAuth}): where a request carries its
 * key, and the Secrets whose keys are the clients.
 *
 * @param header the request header holding the key; null when {@code query} is set
 * @param query the query parameter holding the key; null when {@code header} is set
 * @param credentials the Secrets, in the policy's order: each key of each is one client
 * @param policy the SecurityPolicy it comes from
 */
public record ApiKeyAuthIr(
    String header, String query, List<SecretValuesIr> credentials, SourceRef policy) {
  public ApiKeyAuthIr {
    if ((header == null) == (query == null)) {
      throw new IllegalArgumentException(
          "header: " + header + ", query: " + query + " (expected: exactly one)");
    }
    credentials = Lists.copy(credentials);
    requireNonNull(policy, "policy");
  }
}
