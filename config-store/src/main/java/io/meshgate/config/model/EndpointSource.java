package io.meshgate.config.model;

/** Where a Backend's endpoints come from: one or more of these per Backend. */
public sealed interface EndpointSource
    permits StaticEndpoints, ConsulSource, NomadSource, DnsSource, WorkloadSource {}
