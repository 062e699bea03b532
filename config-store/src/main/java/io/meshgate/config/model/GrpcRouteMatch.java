package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** A gRPC method condition and header conditions. */
@Doc("A gRPC method condition and header conditions.")
public record GrpcRouteMatch(GrpcMethodMatch method, @Size(max = 16) List<ValueMatch> headers) {
  public GrpcRouteMatch {
    headers = Copies.list(headers);
  }
}
