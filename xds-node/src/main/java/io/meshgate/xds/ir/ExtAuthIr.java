package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One external authorization service as an HTTP connection manager calls it: a SecurityPolicy's
 * {@code extAuth}, one filter per policy in the chains whose routes use it.
 *
 * @param name {@code <namespace>/<policy>}: the SecurityPolicy it comes from
 * @param cluster the Backend's cluster the checks go to
 * @param authority the host the HTTP service is addressed as ({@code <backend>.<namespace>})
 * @param pathPrefix HTTP only: prepended to the request's path in the check; null: none
 * @param headersToService client request headers sent with the check, lower-case and sorted; empty:
 *     Envoy's default for the protocol
 * @param headersToUpstream HTTP only: headers of an OK answer that replace the request's,
 *     lower-case and sorted; empty: none
 * @param failOpen let requests through when the check fails (not when the service denies)
 */
public record ExtAuthIr(
    String name,
    Protocol protocol,
    String cluster,
    String authority,
    String pathPrefix,
    List<String> headersToService,
    List<String> headersToUpstream,
    boolean failOpen,
    long timeoutMillis,
    SourceRef policy) {
  /** How the service is called. */
  public enum Protocol {
    /** envoy.service.auth.v3.Authorization/Check over HTTP/2. */
    GRPC,
    /** The request's method and path (behind the prefix) with the chosen headers, no body. */
    HTTP
  }

  public ExtAuthIr {
    requireNonNull(name, "name");
    requireNonNull(protocol, "protocol");
    requireNonNull(cluster, "cluster");
    requireNonNull(authority, "authority");
    headersToService = Lists.copy(headersToService);
    headersToUpstream = Lists.copy(headersToUpstream);
    requireNonNull(policy, "policy");
  }
}
