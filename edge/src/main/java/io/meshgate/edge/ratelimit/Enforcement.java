package io.meshgate.edge.ratelimit;

/** Whether a limit refuses requests over it, or only counts them. */
public enum Enforcement {
  /** Over the limit answers OVER_LIMIT. The default. */
  ENFORCE,
  /**
   * Counts and reports the remaining quota, but always answers OK: to try a new limit on live
   * traffic before turning it on (the reference service's {@code shadow_mode}).
   */
  SHADOW
}
