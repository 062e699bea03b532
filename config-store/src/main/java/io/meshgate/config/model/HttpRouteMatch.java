package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** All conditions of one match must hold; a match without a path matches the prefix /. */
@Doc("All conditions of one match must hold; a match without a path matches the prefix /.")
public record HttpRouteMatch(
    HttpPathMatch path,
    @Size(max = 16) List<ValueMatch> headers,
    @Size(max = 16) List<ValueMatch> queryParams,
    HttpMethod method) {
  public HttpRouteMatch {
    headers = Copies.list(headers);
    queryParams = Copies.list(queryParams);
  }
}
