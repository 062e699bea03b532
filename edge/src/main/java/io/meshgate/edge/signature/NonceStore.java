package io.meshgate.edge.signature;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Where nonces are remembered; {@link RedisNonces} shares them across replicas. */
public interface NonceStore {
  /**
   * Records the nonce for {@code window}; completes with whether this was its first use, or
   * exceptionally (within the store's timeout) when the store cannot answer. Never blocks.
   */
  CompletableFuture<NonceUse> firstUse(String policy, String keyid, String nonce, Duration window);

  /** Where the store is, for a log line (no credentials). */
  String describe();

  /** No store: for nodes whose policies need none; every call fails, as if the store were down. */
  static NonceStore none() {
    return new NonceStore() {
      @Override
      public CompletableFuture<NonceUse> firstUse(
          String policy, String keyid, String nonce, Duration window) {
        return CompletableFuture.failedFuture(
            new IllegalStateException("no nonce store is configured"));
      }

      @Override
      public String describe() {
        return "no nonce store";
      }
    };
  }
}
