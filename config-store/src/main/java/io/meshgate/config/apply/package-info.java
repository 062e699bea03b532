/**
 * The applier: Kafka records in, etcd transactions out, each event applied exactly once. Stages:
 * {@link io.meshgate.config.apply.EventDecoder} (bytes and headers to a decoded event or a
 * rejection), {@link io.meshgate.config.apply.Planner} (pure: current state and event to writes and
 * outcomes), {@link io.meshgate.config.apply.Batch} (pure: consecutive records' plans as one
 * transaction within etcd's limits), {@link io.meshgate.config.apply.Applier} (the consumer loop
 * and the guarded etcd transaction). One thread per applier; decoding and planning do no I/O.
 */
package io.meshgate.config.apply;
