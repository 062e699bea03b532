package io.meshgate.xds.ir;

import java.util.List;

/** Retries: how many, on which conditions and status codes, and the base backoff. */
public record RetryIr(
    int attempts,
    List<String> retryOn,
    List<Integer> statusCodes,
    Long backoffMillis,
    Long maxBackoffMillis,
    Long perTryTimeoutMillis) {
  public RetryIr {
    retryOn = Lists.copy(retryOn);
    statusCodes = Lists.copy(statusCodes);
  }
}
