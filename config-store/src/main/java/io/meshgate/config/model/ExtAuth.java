package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/**
 * Asks an external service (gRPC or HTTP) whether to let each request through; or, with {@code
 * disabled: true} on a more specific policy, turns a wider policy's check off for its routes.
 */
@Doc(
    "Asks an external service (gRPC or HTTP) whether to let each request through; or, with disabled: true on a more specific policy, turns a wider policy's check off for its routes.")
public record ExtAuth(
    @Default("GRPC") ExtAuthProtocol protocol,
    @Doc("The authorization service: a Backend, as a route names one. Required unless disabled.")
        BackendRef backendRef,
    @Size(max = 1024) @Pattern(Patterns.PATH) @Doc("HTTP only: path prefix of the check request.")
        String path,
    @Size(max = 32)
        @Pattern(value = Patterns.HEADER_NAME, maxLength = 256)
        @Doc(
            "Client request headers sent to the service. Unset: every header (gRPC); Host, Method, Path, Content-Length and Authorization (HTTP, which always sends those).")
        List<String> headersToBackend,
    @Size(max = 32)
        @Pattern(value = Patterns.HEADER_NAME, maxLength = 256)
        @Doc(
            "HTTP only: headers of the service's OK answer copied onto the request sent upstream (replacing the client's).")
        List<String> headersToUpstream,
    @Doc(
            "Let requests through when the service fails or cannot be reached; they carry x-envoy-auth-failure-mode-allowed: true. Default false.")
        Boolean failOpen,
    @Pattern(Patterns.DURATION)
        @Default("1s")
        @Doc("How long a check may take, at most 60s; past it the service has failed.")
        String timeout,
    @Doc(
            "true: no external authorization for the routes this policy governs, whatever a wider policy asks. Takes no other field.")
        Boolean disabled) {
  /**
   * A check's timeout when the policy sets none: time for a service that looks a session up, short
   * enough that a hung one does not hold every request long (Envoy's own 200 ms trips on a cold
   * connection). Validation bounds a set timeout to 60s.
   */
  public static final String DEFAULT_TIMEOUT = "1s";

  public ExtAuth {
    protocol = protocol == null ? ExtAuthProtocol.GRPC : protocol;
    // A policy that turns the check off has no timeout: "disabled takes no other field" stays true.
    timeout = timeout == null && !Boolean.TRUE.equals(disabled) ? DEFAULT_TIMEOUT : timeout;
    headersToBackend = Copies.list(headersToBackend);
    headersToUpstream = Copies.list(headersToUpstream);
  }

  /** Whether the policy turns a wider policy's check off. */
  public boolean turnsOff() {
    return Boolean.TRUE.equals(disabled);
  }
}
