package io.meshgate.xds.node;

import static java.util.Objects.requireNonNull;

import io.meshgate.edge.ratelimit.RedisSettings;
import io.meshgate.edge.signature.AuthzServer;
import io.meshgate.xds.resolve.EdgeServices;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;

/**
 * The HMAC signature service {@code meshgate node} runs beside the gateways' Envoys, from the
 * environment: the service on {@code MESHGATE_AUTHZ_ADDR} (default {@value
 * AuthzServer#DEFAULT_ADDRESS}; {@code off}: not run here), and the Redis it keeps nonces in
 * ({@code MESHGATE_REDIS}, {@code MESHGATE_REDIS_CA}).
 *
 * @param authz where this replica serves the signature service; empty: it does not
 * @param envoyAddress where the gateways' Envoys reach the service (the same address; the default
 *     when the service is off here, so the translation of every replica agrees)
 */
public record SignatureSettings(
    Optional<InetSocketAddress> authz, EdgeServices.Address envoyAddress, RedisSettings redis) {
  public static final String OFF = "off";

  public SignatureSettings {
    requireNonNull(authz, "authz");
    requireNonNull(envoyAddress, "envoyAddress");
    requireNonNull(redis, "redis");
  }

  public static SignatureSettings fromEnvironment(Map<String, String> environment) {
    String authz = environment.getOrDefault(AuthzServer.ADDRESS_ENV, AuthzServer.DEFAULT_ADDRESS);
    RedisSettings redis = RedisSettings.fromEnvironment(environment);
    if (OFF.equals(authz.trim())) {
      return new SignatureSettings(Optional.empty(), EdgeServices.DEFAULTS.authz(), redis);
    }
    return new SignatureSettings(
        Optional.of(AuthzServer.parseAddress(authz.trim())), authzAddress(authz.trim()), redis);
  }

  /** {@code MESHGATE_AUTHZ_ADDR} as Envoy dials it: an IP address and a port. */
  private static EdgeServices.Address authzAddress(String hostPort) {
    try {
      return EdgeServices.Address.parse(hostPort);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(AuthzServer.ADDRESS_ENV + ": " + e.getMessage(), e);
    }
  }
}
