package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

/**
 * meshgate's HMAC signature service as a chain's Envoy reaches it: the static cluster {@code
 * cluster} to {@code address:port} ({@code MESHGATE_AUTHZ_ADDR}), HTTP/2.
 */
public record HmacServiceIr(String cluster, String address, int port) {
  public HmacServiceIr {
    requireNonNull(cluster, "cluster");
    requireNonNull(address, "address");
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
    }
  }
}
