package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** Where a provider's token is read: headers, query parameters, cookies; at least one. */
@Doc("Where a provider's token is read: headers, query parameters, cookies; at least one.")
public record JwtExtractFrom(
    @Size(max = 8) List<JwtHeaderSource> headers,
    @Size(max = 8) @Pattern(value = Patterns.SECRET_KEY, maxLength = 256) List<String> params,
    @Size(max = 8) @Pattern(value = Patterns.SECRET_KEY, maxLength = 256) List<String> cookies) {
  public JwtExtractFrom {
    headers = Copies.list(headers);
    params = Copies.list(params);
    cookies = Copies.list(cookies);
  }
}
