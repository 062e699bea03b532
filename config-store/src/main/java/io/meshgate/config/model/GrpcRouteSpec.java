package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** A GRPCRoute: rules matching gRPC services and methods. */
@Doc("A GRPCRoute: rules matching gRPC services and methods.")
public record GrpcRouteSpec(
    @Size(max = 32) List<ParentRef> parentRefs,
    @Size(max = 16) @Pattern(value = Patterns.HOSTNAME, maxLength = 253) List<String> hostnames,
    @Size(max = 16) List<GrpcRouteRule> rules)
    implements Spec {
  public GrpcRouteSpec {
    parentRefs = Copies.list(parentRefs);
    hostnames = Copies.list(hostnames);
    rules = Copies.list(rules);
  }
}
