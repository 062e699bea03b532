package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** API keys in a header or a query parameter (exactly one), checked against keys in Secrets. */
@Doc("API keys in a header or a query parameter (exactly one), checked against keys in Secrets.")
public record ApiKeyAuth(
    @Pattern(value = Patterns.HEADER_NAME, maxLength = 256) String header,
    @Size(min = 1, max = 256) String query,
    @Required @Size(min = 1, max = 16) @Doc("Each key of each Secret is one client's API key.")
        List<SecretRef> credentials) {
  public ApiKeyAuth {
    credentials = Copies.list(credentials);
  }
}
