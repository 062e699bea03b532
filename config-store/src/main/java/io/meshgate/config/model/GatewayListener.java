package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Required;

/** One listener: a port, a protocol and, for HTTP, HTTPS and TLS, an optional hostname. */
@Doc("One listener: a port, a protocol and, for HTTP, HTTPS and TLS, an optional hostname.")
public record GatewayListener(
    @Required
        @Pattern(value = Patterns.NAME, maxLength = 253)
        @Doc("Unique within the Gateway; routes and policies name it as sectionName.")
        String name,
    @Pattern(value = Patterns.HOSTNAME, maxLength = 253)
        @Doc(
            "Requests (HTTP Host, TLS SNI) this listener takes; a leading *. matches one or more labels. Not allowed for TCP.")
        String hostname,
    @Required @Range(min = 1, max = 65535) Integer port,
    @Required @Doc("HTTP, HTTPS (terminates TLS), TLS (passthrough or terminate), TCP.")
        ListenerProtocol protocol,
    @Doc("Required for HTTPS and TLS; not allowed for HTTP and TCP.") ListenerTls tls,
    @Doc("Which routes may attach; default: routes of the Gateway's namespace.")
        AllowedRoutes allowedRoutes,
    @Doc(
            "HTTP and HTTPS: trust X-Forwarded-For from proxies in front; HTTP listeners on one port must agree. Default: the TCP peer is the client.")
        ClientIpDetection clientIPDetection) {
  public GatewayListener {
    requireNonNull(name, "name");
    requireNonNull(port, "port");
    requireNonNull(protocol, "protocol");
  }
}
