package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** A route table (Envoy's RouteConfiguration): virtual hosts sorted by name. */
public record RouteTableIr(String name, List<VirtualHostIr> virtualHosts) {
  public RouteTableIr {
    requireNonNull(name, "name");
    virtualHosts = Lists.copy(virtualHosts);
  }
}
