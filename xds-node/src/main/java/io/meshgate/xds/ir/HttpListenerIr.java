package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * An HTTP listener of a Gateway: one per port, its virtual hosts in the route table of the same
 * name.
 */
public record HttpListenerIr(
    String name, String address, int port, String routeTable, List<SourceRef> sources)
    implements ListenerIr {
  public HttpListenerIr {
    requireNonNull(name, "name");
    requireNonNull(address, "address");
    requireNonNull(routeTable, "routeTable");
    sources = Lists.copy(sources);
  }
}
