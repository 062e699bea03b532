/**
 * HTTP message signatures (RFC 9421) with {@code hmac-sha256}, verified for Envoy's external
 * authorization filter: a strict structured field parser ({@code StructuredFields}), the signature
 * base ({@link io.meshgate.edge.signature.SignatureBase}), the verifier ({@link
 * io.meshgate.edge.signature.SignatureVerifier}: pure, time passed in, results as data), nonces
 * accepted once across replicas ({@link io.meshgate.edge.signature.RedisNonces}) and the gRPC
 * service ({@link io.meshgate.edge.signature.HmacAuthorizationService}). Nothing here knows about
 * policies as resources or about the translation to Envoy; keys arrive as {@link
 * io.meshgate.edge.signature.HmacKey}s and never leave it.
 */
@NullMarked
package io.meshgate.edge.signature;

import org.jspecify.annotations.NullMarked;
