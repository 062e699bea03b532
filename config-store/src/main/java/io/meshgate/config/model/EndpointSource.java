package io.meshgate.config.model;

/** Where a Backend's endpoints come from: exactly one of these per Backend. */
public sealed interface EndpointSource
    permits StaticEndpoints, ConsulSource, NomadSource, DnsSource, WorkloadSource {}
