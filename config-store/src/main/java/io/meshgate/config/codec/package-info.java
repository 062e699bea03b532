/**
 * The codec: YAML and JSON documents to the model and back. Output is canonical — record order, map
 * keys sorted, absent fields left out, compact JSON — so the same resource is the same bytes on
 * every replica. Decoding assumes a validated document; the validator reports what is wrong.
 */
package io.meshgate.config.codec;
