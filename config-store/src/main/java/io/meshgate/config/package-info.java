/**
 * config-store: what users write (the resource model and its codec), how it is checked (one
 * validator for the CLI and the server), how it travels (the Kafka event contract) and where it
 * rests (the etcd keyspace). Never imports Envoy types.
 */
package io.meshgate.config;
