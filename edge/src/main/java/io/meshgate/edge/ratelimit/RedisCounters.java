package io.meshgate.edge.ratelimit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.meshgate.edge.ratelimit.Decisions.Increment;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Fixed-window counters in one Redis (a primary; Redis Cluster is not supported yet, since one
 * request's keys would span slots). All counters of one request are incremented by ONE call of a
 * Lua script ({@code EVALSHA}; {@code EVAL} once after Redis lost its script cache): one round
 * trip, and each counter's increment and expiry happen atomically, since Redis runs a script
 * without interleaving other commands. {@code MULTI}/{@code EXEC} would be atomic too, but a
 * transaction belongs to a connection, and this class shares one pipelined connection among all
 * requests.
 *
 * <p>Failure: every call completes within the command timeout, exceptionally when Redis is down or
 * slow, and the caller applies the limits' failure modes. Commands are rejected at once while
 * disconnected (not queued), so a request answered by its failure mode is never counted later. A
 * command that timed out on our side may still have been counted by Redis. Reconnecting is
 * Lettuce's; if the very first connection fails, the next call tries again (one attempt at a time).
 */
public final class RedisCounters implements AutoCloseable {
  // KEYS[i]: counter; ARGV[2i-1]: addend; ARGV[2i]: expiry in seconds, set when the counter has
  // none (it was just created). Returns the counts after incrementing, in KEYS order.
  static final String SCRIPT =
      """
      local counts = {}
      for i, key in ipairs(KEYS) do
        local count = redis.call('INCRBY', key, ARGV[2 * i - 1])
        if redis.call('TTL', key) < 0 then
          redis.call('EXPIRE', key, ARGV[2 * i])
        end
        counts[i] = count
      end
      return counts
      """;

  private final RedisConnection connection;
  private final String scriptSha;

  private RedisCounters(RedisConnection connection) {
    this.connection = connection;
    this.scriptSha = sha1Hex(SCRIPT);
  }

  /** Counters in the Redis the settings name; connects in the background, never blocks. */
  public static RedisCounters connect(RedisSettings settings) {
    return new RedisCounters(RedisConnection.open(requireNonNull(settings, "settings")));
  }

  /**
   * Waits up to {@code timeout} for a connection (starting an attempt if the last one failed); true
   * when connected. For a readiness check before the service takes traffic: a request never waits
   * for the connection longer than the command timeout, and a first connection (TLS handshake,
   * AUTH, a cold JVM) can take longer than that, so without this the very first requests may be
   * answered by their failure modes.
   */
  public boolean awaitConnected(Duration timeout) {
    return connection.awaitConnected(timeout);
  }

  public RedisSettings settings() {
    return connection.settings();
  }

  /**
   * Increments each counter and gives a new one its expiry; completes with the counts in order, or
   * exceptionally within the command timeout.
   */
  CompletableFuture<List<Long>> increment(List<Increment> increments) {
    String[] keys = new String[increments.size()];
    String[] args = new String[increments.size() * 2];
    for (int i = 0; i < increments.size(); i++) {
      Increment increment = increments.get(i);
      keys[i] = increment.key();
      args[2 * i] = Long.toString(increment.addend());
      args[2 * i + 1] = Long.toString(increment.ttlSeconds());
    }
    return connection
        .get()
        .thenCompose(redis -> run(redis, keys, args))
        .thenApply(RedisCounters::counts)
        .orTimeout(connection.settings().commandTimeout().toNanos(), TimeUnit.NANOSECONDS);
  }

  private CompletionStage<List<Object>> run(
      StatefulRedisConnection<String, String> redis, String[] keys, String[] args) {
    CompletionStage<List<Object>> bySha =
        redis.async().evalsha(scriptSha, ScriptOutputType.MULTI, keys, args);
    return bySha.exceptionallyCompose(
        error -> {
          if (unwrap(error) instanceof RedisNoScriptException) {
            // A restarted Redis has forgotten the script: EVAL sends it and caches it again.
            return redis.async().eval(SCRIPT, ScriptOutputType.MULTI, keys, args);
          }
          return CompletableFuture.failedFuture(error);
        });
  }

  private static List<Long> counts(List<Object> reply) {
    List<Long> counts = new ArrayList<>(reply.size());
    for (Object count : reply) {
      counts.add((Long) count);
    }
    return counts;
  }

  /**
   * Whether Redis is connected now (a connection is open; Lettuce reconnects a lost one by itself).
   * Never waits; starts an attempt when the last one failed.
   */
  public boolean connected() {
    return connection.connected();
  }

  @Override
  public void close() {
    connection.close();
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null
        ? error.getCause()
        : error;
  }

  private static String sha1Hex(String script) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-1").digest(script.getBytes(UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-1", e);
    }
  }
}
