package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** Cross-origin resource sharing: answers preflights and sets CORS headers. */
@Doc("Cross-origin resource sharing: answers preflights and sets CORS headers.")
public record CorsPolicy(
    @Size(max = 64) List<String> allowOrigins,
    @Size(max = 16) List<String> allowMethods,
    @Size(max = 64) @Pattern(value = Patterns.HEADER_NAME, maxLength = 256)
        List<String> allowHeaders,
    @Size(max = 64) @Pattern(value = Patterns.HEADER_NAME, maxLength = 256)
        List<String> exposeHeaders,
    @Pattern(Patterns.DURATION) String maxAge,
    Boolean allowCredentials) {
  public CorsPolicy {
    allowOrigins = Copies.list(allowOrigins);
    allowMethods = Copies.list(allowMethods);
    allowHeaders = Copies.list(allowHeaders);
    exposeHeaders = Copies.list(exposeHeaders);
  }
}
