/**
 * dns: resolves the hostnames DNS Backends name with a stub resolver of its own (A and AAAA over
 * UDP, TCP when truncated), because the records' TTLs decide when to ask again; {@link
 * io.meshgate.discovery.dns.DnsWatch} re-resolves each on its TTL, bounded. Nothing here caches
 * across watches or translates to Envoy types.
 */
package io.meshgate.discovery.dns;
