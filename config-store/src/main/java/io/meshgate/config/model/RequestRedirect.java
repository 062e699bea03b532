package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Values;

/** Answers with a redirect instead of forwarding. */
@Doc("Answers with a redirect instead of forwarding.")
public record RequestRedirect(
    @Pattern(Patterns.SCHEME) @Doc("http or https; absent: the request's.") String scheme,
    @Pattern(value = Patterns.PRECISE_HOSTNAME, maxLength = 253) @Doc("Absent: the request's.")
        String hostname,
    PathModifier path,
    @Range(min = 1, max = 65535) Integer port,
    @Values({301, 302, 303, 307, 308}) @Default("302") Integer statusCode) {
  public RequestRedirect {
    statusCode = statusCode == null ? 302 : statusCode;
  }
}
