/**
 * Launchers for the real services meshgate runs on: a single-node Kafka broker in KRaft mode inside
 * this JVM, and local etcd processes. Used by {@code meshgate standalone} and by the testkit;
 * depends on none of meshgate's own modules.
 */
package io.meshgate.embedded;
