package io.meshgate.edge.signature;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.lettuce.core.SetArgs;
import io.meshgate.edge.ratelimit.RedisConnection;
import io.meshgate.edge.ratelimit.RedisSettings;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Nonces accepted once across every replica sharing one Redis: {@code SET key 1 NX PX window}, one
 * round trip; the first replica to set the key wins, every later use of the nonce within the window
 * is a replay. The key is {@value #KEY_PREFIX} and the SHA-256 (hex) of the policy, keyid and
 * nonce, so neither the nonce nor the keyid is stored in clear. The window is twice the policy's
 * {@code maxSkew}: the longest a signature with that nonce can still be accepted.
 *
 * <p>Failure: every call completes within the command timeout, exceptionally when Redis is down or
 * slow; the caller applies the policy's {@link StoreFailure}. Commands are rejected at once while
 * disconnected; reconnecting is Lettuce's.
 */
public final class RedisNonces implements NonceStore, AutoCloseable {
  static final String KEY_PREFIX = "meshgate:hmac:nonce:";

  private final RedisConnection connection;

  private RedisNonces(RedisConnection connection) {
    this.connection = connection;
  }

  /** Nonces in the Redis the settings name; connects in the background, never blocks. */
  public static RedisNonces connect(RedisSettings settings) {
    return new RedisNonces(RedisConnection.open(requireNonNull(settings, "settings")));
  }

  /** Waits up to {@code timeout} for a connection; true when connected (a readiness check). */
  public boolean awaitConnected(Duration timeout) {
    return connection.awaitConnected(timeout);
  }

  @Override
  public String describe() {
    return "Redis at " + connection.settings().host() + ":" + connection.settings().port();
  }

  @Override
  public CompletableFuture<NonceUse> firstUse(
      String policy, String keyid, String nonce, Duration window) {
    String key = key(policy, keyid, nonce);
    SetArgs args = SetArgs.Builder.nx().px(Math.max(1, window.toMillis()));
    return connection
        .get()
        .thenCompose(redis -> redis.async().set(key, "1", args))
        .thenApply(reply -> "OK".equals(reply) ? NonceUse.FIRST : NonceUse.REPLAYED)
        .orTimeout(connection.settings().commandTimeout().toNanos(), TimeUnit.NANOSECONDS);
  }

  static String key(String policy, String keyid, String nonce) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      // Lengths first, so no two (policy, keyid, nonce) triples hash the same text.
      for (String part : new String[] {policy, keyid, nonce}) {
        byte[] bytes = part.getBytes(UTF_8);
        sha256.update(Integer.toString(bytes.length).getBytes(UTF_8));
        sha256.update((byte) ':');
        sha256.update(bytes);
      }
      return KEY_PREFIX + HexFormat.of().formatHex(sha256.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  @Override
  public void close() {
    connection.close();
  }
}
