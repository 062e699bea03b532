package io.meshgate.xds.resolve;

import static java.util.Objects.requireNonNull;

/**
 * Where a gateway's Envoy reaches the edge services meshgate runs beside it: the HMAC signature
 * service ({@code MESHGATE_AUTHZ_ADDR}, default {@value #DEFAULT_AUTHZ}). Envoy reaches each
 * through a STATIC cluster, so the host is an IP address. Every replica must run with the same
 * addresses, or their translations differ.
 */
public record EdgeAddresses(String authzHost, int authzPort) {
  public static final String DEFAULT_AUTHZ = "127.0.0.1:18082";

  public static final EdgeAddresses DEFAULTS = new EdgeAddresses("127.0.0.1", 18082);

  public EdgeAddresses {
    requireNonNull(authzHost, "authzHost");
    if (!isIpAddress(authzHost)) {
      throw new IllegalArgumentException(
          "MESHGATE_AUTHZ_ADDR: host '"
              + authzHost
              + "' (expected: an IP address; Envoy reaches the service through a STATIC cluster)");
    }
    if (authzPort < 1 || authzPort > 65_535) {
      throw new IllegalArgumentException(
          "MESHGATE_AUTHZ_ADDR: port " + authzPort + " (expected: 1..65535)");
    }
  }

  /** The addresses with the signature service at {@code host:port} ({@code [v6]:port} too). */
  public static EdgeAddresses authz(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw new IllegalArgumentException(
          "MESHGATE_AUTHZ_ADDR: '"
              + hostPort
              + "' (expected: host:port, like "
              + DEFAULT_AUTHZ
              + ")");
    }
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      return new EdgeAddresses(host, Integer.parseInt(hostPort.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "MESHGATE_AUTHZ_ADDR: port '" + hostPort.substring(colon + 1) + "' (expected: 1..65535)");
    }
  }

  private static boolean isIpAddress(String host) {
    if (host.matches("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$")) {
      for (String part : host.split("\\.")) {
        if (Integer.parseInt(part) > 255) {
          return false;
        }
      }
      return true;
    }
    return host.contains(":") && host.matches("^[0-9a-fA-F:.]+$");
  }
}
