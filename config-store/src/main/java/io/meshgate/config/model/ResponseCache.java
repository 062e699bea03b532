package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/**
 * Responses Envoy keeps in memory and serves again, as their Cache-Control allows: GET responses
 * are stored, GET and HEAD requests answered from them (Envoy's filter decides the methods; there
 * is no field for them). Routes behind authentication are never cached (docs/transform-policy.md
 * says why).
 */
@Doc(
    "Responses Envoy keeps in memory and serves again, as their Cache-Control allows: GET responses are stored, GET and HEAD requests answered from them. Never on routes behind authentication.")
public record ResponseCache(
    @Doc(
            "Request headers a response may name in Vary; a response that varies on any other header is not cached.")
        @Size(max = 16)
        @Pattern(value = Patterns.HEADER_NAME, maxLength = 256)
        List<String> varyHeaders,
    @Doc("Largest body stored, in bytes; larger responses pass uncached. Default 1 MiB.")
        @Range(min = 1, max = 16777216)
        Integer maxBodyBytes) {
  public ResponseCache {
    varyHeaders = Copies.list(varyHeaders);
  }
}
