package io.meshgate.edge.signature;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.meshgate.edge.ratelimit.RedisClients;
import io.meshgate.edge.ratelimit.RedisSettings;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

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

  private final RedisSettings settings;
  private final RedisClient client;
  private final RedisURI uri;
  private final AtomicReference<CompletableFuture<StatefulRedisConnection<String, String>>>
      connection = new AtomicReference<>();

  private RedisNonces(RedisSettings settings) {
    this.settings = requireNonNull(settings, "settings");
    this.uri = RedisClients.uri(settings);
    this.client = RedisClient.create();
    client.setOptions(RedisClients.options(settings));
  }

  /** Nonces in the Redis the settings name; connects in the background, never blocks. */
  public static RedisNonces connect(RedisSettings settings) {
    RedisNonces nonces = new RedisNonces(settings);
    nonces.connection();
    return nonces;
  }

  /** Waits up to {@code timeout} for a connection; true when connected (a readiness check). */
  public boolean awaitConnected(Duration timeout) {
    try {
      connection().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (ExecutionException | TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public String describe() {
    return "Redis at " + settings.host() + ":" + settings.port();
  }

  @Override
  public CompletableFuture<NonceUse> firstUse(
      String policy, String keyid, String nonce, Duration window) {
    String key = key(policy, keyid, nonce);
    SetArgs args = SetArgs.Builder.nx().px(Math.max(1, window.toMillis()));
    return connection()
        .thenCompose(redis -> redis.async().set(key, "1", args))
        .thenApply(reply -> "OK".equals(reply) ? NonceUse.FIRST : NonceUse.REPLAYED)
        .orTimeout(settings.commandTimeout().toNanos(), TimeUnit.NANOSECONDS);
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

  private CompletableFuture<StatefulRedisConnection<String, String>> connection() {
    while (true) {
      CompletableFuture<StatefulRedisConnection<String, String>> current = connection.get();
      if (current != null && !current.isCompletedExceptionally()) {
        return current;
      }
      CompletableFuture<StatefulRedisConnection<String, String>> next = new CompletableFuture<>();
      if (connection.compareAndSet(current, next)) {
        client
            .connectAsync(StringCodec.UTF8, uri)
            .whenComplete(
                (redis, error) -> {
                  if (error != null) {
                    next.completeExceptionally(error);
                  } else {
                    next.complete(redis);
                  }
                });
        return next;
      }
    }
  }

  @Override
  public void close() {
    CompletableFuture<StatefulRedisConnection<String, String>> current = connection.get();
    if (current != null) {
      current.thenAccept(StatefulRedisConnection::close);
    }
    client.shutdown(0, 2, TimeUnit.SECONDS);
  }
}
