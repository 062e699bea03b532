/**
 * Test fixtures shared by meshgate's modules: a real Kafka broker and real etcd processes as JUnit
 * extensions. Test scope only; main code never depends on this package.
 */
package io.meshgate.testkit;
