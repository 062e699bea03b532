package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

/** An address, port and load-balancing weight. */
public record EndpointIr(String address, int port, int weight) {
  public EndpointIr {
    requireNonNull(address, "address");
  }
}
