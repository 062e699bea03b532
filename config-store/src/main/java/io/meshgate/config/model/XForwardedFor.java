package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Required;

/** The client's address from X-Forwarded-For, written by trusted proxies in front. */
@Doc("The client's address from X-Forwarded-For, written by trusted proxies in front.")
public record XForwardedFor(
    @Required
        @Range(min = 1, max = 10)
        @Doc(
            "How many trusted proxies in front each append to X-Forwarded-For; the client is the entry that many from the right.")
        Integer numTrustedHops) {
  public XForwardedFor {
    requireNonNull(numTrustedHops, "numTrustedHops");
  }
}
