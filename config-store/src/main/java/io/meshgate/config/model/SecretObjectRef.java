package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;

/**
 * A listener certificate: a Secret (the default) or, with group meshgate.io and kind File, a PEM
 * file on the replicas holding the certificate chain and the private key.
 */
@Doc(
    "A listener certificate: a Secret (the default) or, with group meshgate.io and kind File, a PEM file on the replicas holding the certificate chain and the private key.")
public record SecretObjectRef(
    @Pattern(value = Patterns.GROUP, maxLength = 253)
        @Default("")
        @Doc("Empty for a Secret; meshgate.io for a File.")
        String group,
    @Pattern(value = Patterns.KIND, maxLength = 63) @Default("Secret") @Doc("Secret, or File.")
        String kind,
    @Required
        @Size(min = 1, max = 1024)
        @Doc(
            "The Secret's name, or for a File the absolute path of the PEM file on every replica, below the node's --cert-dirs (else RefNotPermitted).")
        String name,
    @Pattern(value = Patterns.LABEL, maxLength = 63)
        @Doc("The Secret's namespace; another namespace needs a ReferenceGrant there.")
        String namespace) {

  /** True for a certificate file on the replicas ({@code group: meshgate.io, kind: File}). */
  @JsonIgnore
  public boolean isFile() {
    return "File".equals(kind);
  }

  public SecretObjectRef {
    group = group == null ? "" : group;
    kind = kind == null ? "Secret" : kind;
    requireNonNull(name, "name");
  }
}
