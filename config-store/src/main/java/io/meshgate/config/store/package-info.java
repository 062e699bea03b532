/**
 * The etcd side of config-store: the keyspace (one class knows every path) and, with the applier,
 * the watchable read view every other module reads through.
 */
package io.meshgate.config.store;
