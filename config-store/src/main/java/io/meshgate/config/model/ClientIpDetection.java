package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Required;

/** How the listener finds the client's address when proxies stand in front of the Gateway. */
@Doc("How the listener finds the client's address when proxies stand in front of the Gateway.")
public record ClientIpDetection(@Required XForwardedFor xForwardedFor) {}
