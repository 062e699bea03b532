package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;
import java.util.Map;

/** TLS from the gateway to a backend: which CA to trust and which name to expect. */
@Doc("TLS from the gateway to a backend: which CA to trust and which name to expect.")
public record BackendTlsPolicySpec(
    @Required @Size(min = 1, max = 16) @Doc("Backends (kind Backend, or Service naming one).")
        List<PolicyTargetRef> targetRefs,
    @Required BackendTlsValidation validation,
    Map<String, String> options)
    implements Spec {
  public BackendTlsPolicySpec {
    targetRefs = Copies.list(targetRefs);
    requireNonNull(validation, "validation");
    options = Copies.map(options);
  }
}
