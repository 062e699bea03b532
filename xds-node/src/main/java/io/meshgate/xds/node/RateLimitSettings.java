package io.meshgate.xds.node;

import static java.util.Objects.requireNonNull;

import io.meshgate.edge.ratelimit.RedisSettings;
import io.meshgate.edge.ratelimit.RlsServer;
import io.meshgate.xds.resolve.EdgeServices;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * meshgate's global rate limit service on this node, and where Envoy reaches it.
 *
 * @param serve where this node serves {@code RateLimitService/ShouldRateLimit}, with counters in
 *     {@code redis}; empty: it serves none
 * @param redis the counters' Redis ({@code MESHGATE_REDIS}); empty when {@code serve} is
 * @param envoyEndpoints the addresses Envoy's rate limit filter dials (the cluster {@code
 *     meshgate/ratelimit}), the same on every replica; empty: no service is known, and a global
 *     limit is a Problem whose requests meet its failure mode
 */
public record RateLimitSettings(
    Optional<InetSocketAddress> serve,
    Optional<RedisSettings> redis,
    List<EdgeServices.Address> envoyEndpoints) {
  /** No service here, and none known elsewhere. */
  public static final RateLimitSettings OFF =
      new RateLimitSettings(Optional.empty(), Optional.empty(), List.of());

  public RateLimitSettings {
    requireNonNull(serve, "serve");
    requireNonNull(redis, "redis");
    envoyEndpoints = List.copyOf(envoyEndpoints);
    if (serve.isPresent() != redis.isPresent()) {
      throw new IllegalArgumentException(
          "serve and redis go together: the service counts in Redis");
    }
  }

  /**
   * Serves at {@code address} with counters in {@code redis}; Envoy dials {@code envoyEndpoints},
   * or this address when none are given (then it must be a concrete IP address, such as the default
   * loopback one for an Envoy on the same host).
   *
   * @throws IllegalArgumentException when the address is a wildcard and no endpoints are given
   */
  public static RateLimitSettings serving(
      InetSocketAddress address, RedisSettings redis, List<EdgeServices.Address> envoyEndpoints) {
    List<EdgeServices.Address> endpoints = envoyEndpoints;
    if (endpoints.isEmpty()) {
      if (address.getAddress() == null || address.getAddress().isAnyLocalAddress()) {
        throw new IllegalArgumentException(
            "the rate limit service listens on "
                + address
                + ": say where Envoy reaches it with MESHGATE_RLS_ENDPOINTS (--rls-endpoints)");
      }
      endpoints =
          List.of(
              new EdgeServices.Address(address.getAddress().getHostAddress(), address.getPort()));
    }
    return new RateLimitSettings(Optional.of(address), Optional.of(redis), endpoints);
  }

  /** Served elsewhere (another node, or {@code meshgate} run for the service alone). */
  public static RateLimitSettings elsewhere(List<EdgeServices.Address> envoyEndpoints) {
    return new RateLimitSettings(Optional.empty(), Optional.empty(), envoyEndpoints);
  }

  /**
   * Served when a Redis is named ({@code MESHGATE_REDIS}) and {@code address} is not {@code off};
   * Envoy is told {@code endpoints} ({@code ip:port,...}), or the served address.
   *
   * @param address {@code MESHGATE_RLS_ADDR}: {@code host:port} or {@code off}
   * @param endpoints {@code MESHGATE_RLS_ENDPOINTS}; null: none given
   * @throws IllegalArgumentException naming what is wrong
   */
  public static RateLimitSettings of(
      Map<String, String> environment, String address, @Nullable String endpoints) {
    List<EdgeServices.Address> envoyEndpoints =
        endpoints == null ? List.of() : endpoints(endpoints);
    if (!environment.containsKey(RedisSettings.URI_ENV) || "off".equals(address.trim())) {
      return elsewhere(envoyEndpoints);
    }
    return serving(
        RlsServer.parseAddress(address.trim()),
        RedisSettings.fromEnvironment(environment),
        envoyEndpoints);
  }

  /** {@code host:port,host:port}. */
  public static List<EdgeServices.Address> endpoints(String list) {
    return Arrays.stream(list.split(","))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .map(EdgeServices.Address::parse)
        .toList();
  }
}
