package io.meshgate.edge.ratelimit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;

/**
 * How every edge service connects to Redis from {@link RedisSettings}: commands rejected while
 * disconnected (never queued), the command timeout, TLS trust, and the ACL user or password.
 */
public final class RedisClients {
  private RedisClients() {}

  public static ClientOptions options(RedisSettings settings) {
    ClientOptions.Builder options =
        ClientOptions.builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout()))
            .socketOptions(
                SocketOptions.builder()
                    .connectTimeout(RedisSettings.DEFAULT_CONNECT_TIMEOUT)
                    .build());
    settings
        .caFile()
        .ifPresent(
            ca -> options.sslOptions(SslOptions.builder().trustManager(ca.toFile()).build()));
    return options.build();
  }

  public static RedisURI uri(RedisSettings settings) {
    RedisURI.Builder uri =
        RedisURI.builder()
            .withHost(settings.host())
            .withPort(settings.port())
            .withDatabase(settings.database())
            .withSsl(settings.transport() == RedisSettings.Transport.TLS)
            .withTimeout(settings.commandTimeout());
    String password = settings.password();
    if (password != null) {
      if (settings.username().isPresent()) {
        uri.withAuthentication(settings.username().get(), password);
      } else {
        // AUTH password alone: Redis' default user, and Redis before 6 (no ACL users).
        uri.withPassword(password.toCharArray());
      }
    }
    return uri.build();
  }
}
