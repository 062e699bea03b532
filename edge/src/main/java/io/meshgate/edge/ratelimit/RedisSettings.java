package io.meshgate.edge.ratelimit;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where the counters live, from a URI as {@code MESHGATE_REDIS} gives it: {@code redis://host:port}
 * (default {@value #DEFAULT_URI}), {@code rediss://} for TLS (the CA file in {@code
 * MESHGATE_REDIS_CA}, else the JVM's trust store), {@code redis://user:password@host:port} for an
 * ACL user ({@code redis://:password@...} for Redis' default user), and an optional {@code /db}
 * number. The password is never in {@link #toString()}, so it never reaches a log.
 *
 * <p>The command timeout ({@value #DEFAULT_COMMAND_TIMEOUT_MILLIS} ms by default) bounds how long a
 * request waits for Redis before its limits' failure mode answers; it is short because Envoy waits
 * for the answer on the request path.
 */
public final class RedisSettings {
  public static final String URI_ENV = "MESHGATE_REDIS";
  public static final String CA_ENV = "MESHGATE_REDIS_CA";
  public static final String DEFAULT_URI = "redis://127.0.0.1:6379";
  public static final long DEFAULT_COMMAND_TIMEOUT_MILLIS = 100;
  static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);

  /** Plain TCP or TLS. */
  public enum Transport {
    PLAIN,
    TLS
  }

  private final Transport transport;
  private final String host;
  private final int port;
  private final int database;
  private final @Nullable String username;
  private final @Nullable String password;
  private final @Nullable Path caFile;
  private final Duration commandTimeout;

  private RedisSettings(
      Transport transport,
      String host,
      int port,
      int database,
      @Nullable String username,
      @Nullable String password,
      @Nullable Path caFile,
      Duration commandTimeout) {
    this.transport = requireNonNull(transport, "transport");
    this.host = requireNonNull(host, "host");
    this.port = port;
    this.database = database;
    this.username = username;
    this.password = password;
    this.caFile = caFile;
    this.commandTimeout = requireNonNull(commandTimeout, "commandTimeout");
    if (commandTimeout.isNegative() || commandTimeout.isZero()) {
      throw new IllegalArgumentException("commandTimeout: " + commandTimeout + " (expected: > 0)");
    }
  }

  /** From {@code MESHGATE_REDIS} and {@code MESHGATE_REDIS_CA}, or the defaults. */
  public static RedisSettings fromEnvironment(Map<String, String> environment) {
    String uri = environment.getOrDefault(URI_ENV, "");
    RedisSettings settings = parse(uri.isBlank() ? DEFAULT_URI : uri.trim());
    String ca = environment.getOrDefault(CA_ENV, "");
    return ca.isBlank() ? settings : settings.withCaFile(Path.of(ca.trim()));
  }

  /**
   * Parses {@code redis://[user[:password]@]host[:port][/db]} or {@code rediss://...}.
   *
   * @throws IllegalArgumentException naming what is wrong, never echoing the password
   */
  public static RedisSettings parse(String text) {
    requireNonNull(text, "text");
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          URI_ENV + ": not a URI (expected: redis://[user:password@]host[:port][/db])");
    }
    Transport transport;
    if ("redis".equals(uri.getScheme())) {
      transport = Transport.PLAIN;
    } else if ("rediss".equals(uri.getScheme())) {
      transport = Transport.TLS;
    } else {
      throw new IllegalArgumentException(
          URI_ENV + ": scheme '" + uri.getScheme() + "' (expected: redis or rediss)");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new IllegalArgumentException(URI_ENV + ": no host (expected: redis://host:port)");
    }
    int port = uri.getPort() == -1 ? 6379 : uri.getPort();
    int database = 0;
    String path = Optional.ofNullable(uri.getPath()).orElse("");
    if (!path.isEmpty() && !path.equals("/")) {
      try {
        database = Integer.parseInt(path.substring(1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            URI_ENV + ": database '" + path.substring(1) + "' (expected: a number, like /0)");
      }
      if (database < 0) {
        throw new IllegalArgumentException(
            URI_ENV + ": database " + database + " (expected: 0 or more)");
      }
    }
    String username = null;
    String password = null;
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      if (colon < 0) {
        username = decode(userInfo);
      } else {
        username = colon == 0 ? null : decode(userInfo.substring(0, colon));
        password = decode(userInfo.substring(colon + 1));
      }
    }
    return new RedisSettings(
        transport,
        uri.getHost(),
        port,
        database,
        username,
        password,
        null,
        Duration.ofMillis(DEFAULT_COMMAND_TIMEOUT_MILLIS));
  }

  public RedisSettings withCaFile(Path caFile) {
    return new RedisSettings(
        transport,
        host,
        port,
        database,
        username,
        password,
        requireNonNull(caFile, "caFile"),
        commandTimeout);
  }

  public RedisSettings withCommandTimeout(Duration timeout) {
    return new RedisSettings(transport, host, port, database, username, password, caFile, timeout);
  }

  public Transport transport() {
    return transport;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  public int database() {
    return database;
  }

  public Optional<String> username() {
    return Optional.ofNullable(username);
  }

  public boolean hasPassword() {
    return password != null;
  }

  /** Only for the Redis client; never log it. */
  @Nullable String password() {
    return password;
  }

  public Optional<Path> caFile() {
    return Optional.ofNullable(caFile);
  }

  public Duration commandTimeout() {
    return commandTimeout;
  }

  /** The URI with the password replaced by {@code ***}. */
  @Override
  public String toString() {
    StringBuilder text = new StringBuilder(transport == Transport.TLS ? "rediss://" : "redis://");
    if (username != null || password != null) {
      text.append(username == null ? "" : username);
      if (password != null) {
        text.append(":***");
      }
      text.append('@');
    }
    text.append(host).append(':').append(port).append('/').append(database);
    if (caFile != null) {
      text.append(" (CA ").append(caFile).append(')');
    }
    return text.toString();
  }

  private static String decode(String text) {
    return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
  }
}
