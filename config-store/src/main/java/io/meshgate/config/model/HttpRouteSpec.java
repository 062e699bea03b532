package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** An HTTPRoute: rules matching HTTP requests on the hostnames of the listeners it attaches to. */
@Doc("An HTTPRoute: rules matching HTTP requests on the hostnames of the listeners it attaches to.")
public record HttpRouteSpec(
    @Size(max = 32) @Doc("Gateways (or, mesh style, Backends) this route attaches to.")
        List<ParentRef> parentRefs,
    @Size(max = 16)
        @Pattern(value = Patterns.HOSTNAME, maxLength = 253)
        @Doc("Host headers to match; absent: the listeners' hostnames.")
        List<String> hostnames,
    @Size(max = 16) @Doc("Absent: one rule matching every request, with no backend (answers 500).")
        List<HttpRouteRule> rules)
    implements Spec {
  public HttpRouteSpec {
    parentRefs = Copies.list(parentRefs);
    hostnames = Copies.list(hostnames);
    rules = Copies.list(rules);
  }
}
