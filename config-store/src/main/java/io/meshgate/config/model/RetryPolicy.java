package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** Retries. */
@Doc("Retries.")
public record RetryPolicy(
    @Range(min = 0, max = 100) Integer attempts,
    @Pattern(Patterns.DURATION) String perTryTimeout,
    @Size(max = 16)
        @Pattern(
            "^(5xx|gateway-error|reset|connect-failure|retriable-4xx|refused-stream|retriable-status-codes|cancelled|deadline-exceeded|internal|resource-exhausted|unavailable)$")
        @Doc("Envoy's retry_on conditions (HTTP and gRPC).")
        List<String> retryOn,
    @Size(max = 16) @Range(min = 100, max = 599) List<Integer> retriableStatusCodes,
    Backoff backoff) {
  public RetryPolicy {
    retryOn = Copies.list(retryOn);
    retriableStatusCodes = Copies.list(retriableStatusCodes);
  }
}
