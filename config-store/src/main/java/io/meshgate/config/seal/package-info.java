/**
 * Sealed secrets: the CLI seals a Secret's private values with the cluster's public key ({@link
 * io.meshgate.config.seal.Sealer}) so that only ciphertext reaches Kafka and etcd, and the xDS
 * replicas, which hold the private key file, open them in memory ({@link
 * io.meshgate.config.seal.Unsealer}). JDK cryptography only; the envelope is described in {@code
 * Envelope} for producers in other languages. This package must never log, persist or put into an
 * exception message or {@code toString} any plaintext value or private key material.
 */
package io.meshgate.config.seal;
