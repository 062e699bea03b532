/**
 * The fault suite: {@link io.meshgate.chaos.ChaosCluster} (replicas as processes, etcd, Kafka,
 * fault proxies), {@link io.meshgate.chaos.ConfigStream} (the producer and its model), {@link
 * io.meshgate.chaos.SimulatedEnvoy} (proxies), {@link io.meshgate.chaos.Nemesis} (faults from a
 * seeded {@link io.meshgate.chaos.Profile}), {@link io.meshgate.chaos.Checker} (what must hold),
 * all recorded on a {@link io.meshgate.chaos.Timeline}; {@link io.meshgate.chaos.ChaosRun} puts
 * them together.
 */
package io.meshgate.chaos;
