package io.meshgate.config.validate;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Resource;
import java.util.List;

/** The outcome of validating one document. */
public sealed interface Validation permits Validation.Valid, Validation.Invalid {

  /** The document is valid and bound to the model. */
  record Valid(Resource resource) implements Validation {
    public Valid {
      requireNonNull(resource, "resource");
    }
  }

  /**
   * The document is invalid.
   *
   * @param subject {@code Kind/namespace/name} when the document names them well enough, else null;
   *     lets a rejection be recorded against the resource it meant
   */
  record Invalid(String subject, List<Violation> violations) implements Validation {
    public Invalid {
      violations = List.copyOf(violations);
      if (violations.isEmpty()) {
        throw new IllegalArgumentException("an invalid document has at least one violation");
      }
    }
  }
}
