package io.meshgate.xds.node;

import static java.util.Objects.requireNonNull;

import io.meshgate.edge.ratelimit.RedisSettings;
import io.meshgate.edge.signature.AuthzServer;
import io.meshgate.xds.resolve.EdgeAddresses;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;

/**
 * The edge services {@code meshgate node} runs beside the gateways' Envoys, from the environment:
 * the HMAC signature service on {@code MESHGATE_AUTHZ_ADDR} (default {@value
 * AuthzServer#DEFAULT_ADDRESS}; {@code off}: not run here), and the Redis it keeps nonces in
 * ({@code MESHGATE_REDIS}, {@code MESHGATE_REDIS_CA}).
 *
 * @param authz where this replica serves the signature service; empty: it does not
 * @param addresses where the gateways' Envoys reach the services (the same address; the default
 *     when the service is off here, so the translation of every replica agrees)
 */
public record EdgeSettings(
    Optional<InetSocketAddress> authz, EdgeAddresses addresses, RedisSettings redis) {
  public static final String OFF = "off";

  public EdgeSettings {
    requireNonNull(authz, "authz");
    requireNonNull(addresses, "addresses");
    requireNonNull(redis, "redis");
  }

  public static EdgeSettings fromEnvironment(Map<String, String> environment) {
    String authz = environment.getOrDefault(AuthzServer.ADDRESS_ENV, AuthzServer.DEFAULT_ADDRESS);
    RedisSettings redis = RedisSettings.fromEnvironment(environment);
    if (OFF.equals(authz.trim())) {
      return new EdgeSettings(Optional.empty(), EdgeAddresses.DEFAULTS, redis);
    }
    return new EdgeSettings(
        Optional.of(AuthzServer.parseAddress(authz.trim())),
        EdgeAddresses.authz(authz.trim()),
        redis);
  }
}
