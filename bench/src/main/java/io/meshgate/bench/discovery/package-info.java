/**
 * Discovery under churn: a replica watching many Consul services on testkit's Consul double while
 * their instances change health, and delta EDS clients that record when each change reached them.
 * The replica runs in its own JVM, as in the fleet bench, so its CPU and heap are its own.
 */
package io.meshgate.bench.discovery;
