/**
 * discovery: endpoint sources (Consul catalog and health, Nomad native services, static VMs) merged
 * with provenance, locality, health and weight into endpoint snapshots. Sources follow the vendors'
 * blocking-query contracts; nothing here translates to Envoy types.
 */
package io.meshgate.discovery;
