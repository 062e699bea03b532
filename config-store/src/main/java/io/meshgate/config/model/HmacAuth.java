package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/**
 * Requests signed as HTTP message signatures (RFC 9421) with hmac-sha256, verified by meshgate's
 * signature service: shared keys by keyid, the components a signature must cover, the allowed clock
 * skew, nonces accepted once, and the largest body verified.
 */
@Doc(
    "Requests signed as HTTP message signatures (RFC 9421, hmac-sha256), verified by meshgate's signature service.")
public record HmacAuth(
    @Required
        @Doc(
            "An Opaque Secret with sealed values: each key is a keyid, its value that client's shared key (the value's bytes, at least 32). With key: only that keyid.")
        SecretRef keys,
    @Size(max = 16)
        @Pattern(value = Patterns.SIGNATURE_COMPONENT, maxLength = 64)
        @Doc(
            "Components every signature must cover; content-digest is required on top whenever a request has a body. Default: @method, @path, @authority.")
        List<String> components,
    @Pattern(Patterns.DURATION)
        @Default("300s")
        @Doc(
            "How far created may be from meshgate's clock either way; also the longest a signature is accepted. 1s to 1h.")
        String maxSkew,
    @Doc("Every signature carries a nonce, accepted once across replicas (Redis). Default false.")
        Boolean requireNonce,
    @Doc(
            "When Redis cannot answer for a nonce, let a validly signed request through instead of answering 503. Default false.")
        Boolean failOpen,
    @Range(min = 0, max = 1048576)
        @Default("8192")
        @Doc(
            "The largest body Envoy buffers and sends for verification; larger requests are answered 413. 0: requests with a body are refused.")
        Integer maxBodyBytes) {
  /** The components a signature must cover when the policy names none. */
  public static final List<String> DEFAULT_COMPONENTS = List.of("@method", "@path", "@authority");

  public static final String DEFAULT_MAX_SKEW = "300s";
  public static final int DEFAULT_MAX_BODY_BYTES = 8192;

  public HmacAuth {
    requireNonNull(keys, "keys");
    components = Copies.list(components);
    maxSkew = maxSkew == null ? DEFAULT_MAX_SKEW : maxSkew;
    maxBodyBytes = maxBodyBytes == null ? DEFAULT_MAX_BODY_BYTES : maxBodyBytes;
  }

  /** The components every signature must cover. */
  public List<String> required() {
    return components.isEmpty() ? DEFAULT_COMPONENTS : components;
  }

  public boolean nonceRequired() {
    return Boolean.TRUE.equals(requireNonce);
  }

  public boolean opensOnStoreFailure() {
    return Boolean.TRUE.equals(failOpen);
  }
}
