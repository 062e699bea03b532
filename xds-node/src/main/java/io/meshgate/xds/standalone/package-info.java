/**
 * {@code meshgate standalone}: one process with an embedded Kafka broker and a child etcd on the
 * default addresses that every other command assumes. It owns process lifecycles only; it never
 * translates or serves config itself.
 */
package io.meshgate.xds.standalone;
