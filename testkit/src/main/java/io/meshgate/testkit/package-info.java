/**
 * Test fixtures shared by meshgate's modules: a real Kafka broker, real etcd processes and a real
 * redis-server as JUnit extensions, and doubles of the services meshgate talks to (Consul's and
 * Nomad's HTTP APIs, DNS, istiod's CA). Test scope only; main code never depends on this package.
 */
package io.meshgate.testkit;
