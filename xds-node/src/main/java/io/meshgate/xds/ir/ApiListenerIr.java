package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * An API listener for proxyless gRPC clients: a client dialing {@code xds:///NAME} gets the
 * listener NAME.
 */
public record ApiListenerIr(String name, String routeTable, List<SourceRef> sources)
    implements ListenerIr {
  public ApiListenerIr {
    requireNonNull(name, "name");
    requireNonNull(routeTable, "routeTable");
    sources = Lists.copy(sources);
  }
}
