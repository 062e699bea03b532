package io.meshgate.edge.ratelimit;

import static java.util.Objects.requireNonNull;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One lazily made connection to the Redis of {@link RedisSettings}, shared by an edge service's
 * calls: made in the background, never waited for by a call longer than the command timeout, made
 * again (one attempt at a time) when the last attempt failed; a lost connection is Lettuce's to
 * reconnect.
 */
public final class RedisConnection implements AutoCloseable {
  private final RedisSettings settings;
  private final RedisClient client;
  private final RedisURI uri;
  private final AtomicReference<CompletableFuture<StatefulRedisConnection<String, String>>>
      connection = new AtomicReference<>();

  private RedisConnection(RedisSettings settings) {
    this.settings = requireNonNull(settings, "settings");
    this.uri = RedisClients.uri(settings);
    this.client = RedisClient.create();
    client.setOptions(RedisClients.options(settings));
  }

  /** Starts connecting in the background; never blocks. */
  public static RedisConnection open(RedisSettings settings) {
    RedisConnection connection = new RedisConnection(settings);
    connection.get();
    return connection;
  }

  public RedisSettings settings() {
    return settings;
  }

  /** The connection, or a new attempt when there is none and the last attempt failed. */
  public CompletableFuture<StatefulRedisConnection<String, String>> get() {
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

  /**
   * Waits up to {@code timeout} for a connection (starting an attempt if the last one failed); true
   * when connected. For a readiness check before a service takes traffic: a call never waits for
   * the connection longer than the command timeout, and a first connection (TLS handshake, AUTH, a
   * cold JVM) can take longer than that.
   */
  public boolean awaitConnected(Duration timeout) {
    try {
      get().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (ExecutionException | TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Whether Redis is connected now. Never waits; starts an attempt when the last one failed. */
  public boolean connected() {
    CompletableFuture<StatefulRedisConnection<String, String>> current = get();
    return current.isDone() && !current.isCompletedExceptionally() && current.join().isOpen();
  }

  @Override
  public void close() {
    CompletableFuture<StatefulRedisConnection<String, String>> current = connection.get();
    if (current != null) {
      current.thenAccept(StatefulRedisConnection::close);
    }
    client.shutdown(0, 2, TimeUnit.SECONDS);
  }

  /**
   * What went wrong talking to Redis, for a log line: the root cause's type and message. Lettuce's
   * messages name the address, never the password.
   */
  public static String describe(Throwable error) {
    Throwable cause = error;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause.getClass().getSimpleName()
        + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
  }
}
