package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** Asks an external service (gRPC or HTTP) whether to let each request through. */
@Doc("Asks an external service (gRPC or HTTP) whether to let each request through.")
public record ExtAuth(
    @Default("GRPC") ExtAuthProtocol protocol,
    @Required BackendRef backendRef,
    @Size(max = 1024) @Pattern(Patterns.PATH) @Doc("HTTP only: path prefix of the check request.")
        String path,
    @Size(max = 32) @Pattern(value = Patterns.HEADER_NAME, maxLength = 256)
        List<String> headersToBackend,
    @Doc("Let requests through when the service fails; default false.") Boolean failOpen) {
  public ExtAuth {
    protocol = protocol == null ? ExtAuthProtocol.GRPC : protocol;
    requireNonNull(backendRef, "backendRef");
    headersToBackend = Copies.list(headersToBackend);
  }
}
