/**
 * The etcd side of config-store: the keyspace (one class knows every path) and, with the applier,
 * the watchable read view every other module reads through ({@link
 * io.meshgate.config.store.ConfigView}), built on the generic view of one prefix ({@link
 * io.meshgate.config.store.PrefixView}). The views deliver immutable {@link
 * io.meshgate.config.store.ConfigSnapshot}s and listings; listener calls run on the view's one
 * thread, in revision order, never concurrently.
 */
package io.meshgate.config.store;
