/**
 * The etcd side of config-store: the keyspace (one class knows every path) and, with the applier,
 * the watchable read view every other module reads through ({@link
 * io.meshgate.config.store.ConfigView}). The view delivers immutable {@link
 * io.meshgate.config.store.ConfigSnapshot}s; listener calls run on the view's one thread, in
 * revision order, never concurrently.
 */
package io.meshgate.config.store;
