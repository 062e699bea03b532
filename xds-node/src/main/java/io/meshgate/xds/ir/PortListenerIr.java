package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A port an Envoy binds, with its filter chains: one plaintext chain for HTTP and TCP, or one chain
 * per server name (SNI) where TLS listeners share the port — each terminating TLS with its
 * certificates, or passing it through.
 */
public record PortListenerIr(
    String name, String address, int port, List<FilterChainIr> chains, List<SourceRef> sources)
    implements ListenerIr {
  public PortListenerIr {
    requireNonNull(name, "name");
    requireNonNull(address, "address");
    chains = Lists.copy(chains);
    sources = Lists.copy(sources);
  }

  /** Whether any chain is chosen by SNI, so Envoy must read the ClientHello first. */
  public boolean inspectsTls() {
    return chains.stream().anyMatch(c -> !c.serverNames().isEmpty() || c.terminatesTls());
  }
}
