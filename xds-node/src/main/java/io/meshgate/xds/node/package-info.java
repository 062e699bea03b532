/**
 * node: one xds-node replica wired together — config-store's applier and read view, the pipeline
 * (holdoff → resolve → envoy → snapshot) on its one thread, the ADS server, and the admin HTTP
 * endpoints. Lifecycle only; the stages do the work.
 */
package io.meshgate.xds.node;
