package io.meshgate.edge.ratelimit;

/** What a limit answers when Redis cannot count (down, or slower than the command timeout). */
public enum FailureMode {
  /** The request passes: an outage of Redis never becomes an outage of the API. The default. */
  FAIL_OPEN,
  /** The request is refused (OVER_LIMIT): for limits that protect something that must not flood. */
  FAIL_CLOSED
}
