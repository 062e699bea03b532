package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * An HTTP listener of a Gateway: one per port, its virtual hosts in the route table of the same
 * name.
 *
 * @param rateLimit a token bucket shared by every request on the port (from a TrafficPolicy on the
 *     Gateway); null: none
 */
public record HttpListenerIr(
    String name,
    String address,
    int port,
    String routeTable,
    LocalRateLimitIr rateLimit,
    List<SourceRef> sources)
    implements ListenerIr {
  public HttpListenerIr {
    requireNonNull(name, "name");
    requireNonNull(address, "address");
    requireNonNull(routeTable, "routeTable");
    sources = Lists.copy(sources);
  }
}
