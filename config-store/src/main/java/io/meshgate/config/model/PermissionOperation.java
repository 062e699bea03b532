package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** Which requests a permission covers: HTTP methods and paths; absent means every request. */
@Doc(
    "Which requests a permission covers: any of the methods and any of the paths (Exact or PathPrefix). HTTP and gRPC Backends only.")
public record PermissionOperation(
    @Size(max = 9) List<HttpMethod> methods, @Size(max = 32) List<HttpPathMatch> paths) {
  public PermissionOperation {
    methods = Copies.list(methods);
    paths = Copies.list(paths);
  }
}
