package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;

/** The mTLS port the sidecar listens on, and the local port of the application behind it. */
@Doc("The mTLS port the sidecar listens on, and the local port of the application behind it.")
public record SidecarInbound(
    @Required @Range(min = 1, max = 65535) Integer port,
    @Required @Range(min = 1, max = 65535) Integer localPort,
    @Size(min = 1, max = 253) @Default("127.0.0.1") String localAddress,
    @Default("HTTP") BackendProtocol protocol) {
  public SidecarInbound {
    requireNonNull(port, "port");
    requireNonNull(localPort, "localPort");
    localAddress = localAddress == null ? "127.0.0.1" : localAddress;
    protocol = protocol == null ? BackendProtocol.HTTP : protocol;
  }
}
