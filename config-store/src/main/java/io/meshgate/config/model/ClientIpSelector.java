package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Range;

/** Counts by client address; with prefix lengths, by the network the address is in. */
@Doc("Counts by client address; with prefix lengths, by the network the address is in.")
public record ClientIpSelector(
    @Range(min = 0, max = 32)
        @Doc("Count IPv4 clients by network: 24 puts every address of a /24 in one counter.")
        Integer ipv4PrefixLength,
    @Range(min = 0, max = 128) @Doc("Count IPv6 clients by network, e.g. 64.")
        Integer ipv6PrefixLength) {}
