package io.meshgate.xds.ir;

/**
 * A token bucket counted by each Envoy on its own: it holds at most {@code maxTokens}, and gains
 * {@code tokensPerFill} every {@code fillIntervalMillis}. A request takes one token or is answered
 * 429.
 */
public record LocalRateLimitIr(long maxTokens, long tokensPerFill, long fillIntervalMillis) {
  public LocalRateLimitIr {
    if (maxTokens < 1 || tokensPerFill < 1 || fillIntervalMillis < 1) {
      throw new IllegalArgumentException(
          "a token bucket needs positive sizes: " + maxTokens + ", " + tokensPerFill);
    }
  }
}
