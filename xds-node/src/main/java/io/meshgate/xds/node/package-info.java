/**
 * node: one xds-node replica wired together — config-store's applier and read view, the key loader,
 * the pipeline (its own package, on its own thread), the ADS server and the admin HTTP endpoints.
 * Lifecycle only; the stages do the work.
 */
package io.meshgate.xds.node;
