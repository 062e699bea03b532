package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** How the backend's certificate is verified. */
@Doc("How the backend's certificate is verified.")
public record BackendTlsValidation(
    @Size(max = 8) @Doc("Secrets holding ca.crt; or use wellKnownCACertificates.")
        List<ObjectRef> caCertificateRefs,
    @Pattern("^System$") @Doc("System: the replicas' trust store.") String wellKnownCACertificates,
    @Required
        @Pattern(value = Patterns.PRECISE_HOSTNAME, maxLength = 253)
        @Doc("SNI sent, and the name expected unless subjectAltNames is set.")
        String hostname,
    @Size(max = 5) List<SubjectAltName> subjectAltNames) {
  public BackendTlsValidation {
    caCertificateRefs = Copies.list(caCertificateRefs);
    requireNonNull(hostname, "hostname");
    subjectAltNames = Copies.list(subjectAltNames);
  }
}
