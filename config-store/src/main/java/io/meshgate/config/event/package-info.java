/**
 * The event contract on Kafka (docs/events.md): topic {@code meshgate.config}, key = namespace,
 * CloudEvents headers (Kafka binding, binary mode), JSON values. Encoding is deterministic given an
 * id and a time, so the documentation's examples are checked byte for byte.
 */
package io.meshgate.config.event;
