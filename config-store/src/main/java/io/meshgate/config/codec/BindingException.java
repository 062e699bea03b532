package io.meshgate.config.codec;

import static java.util.Objects.requireNonNull;

/**
 * A document that does not bind to the model, and where. Decoding a validated document never throws
 * it; the validator catches it to learn which part of an invalid document its rules cannot read.
 */
public final class BindingException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String pointer;

  BindingException(String pointer, Throwable cause) {
    super(
        "document does not bind at "
            + (pointer.isEmpty() ? "(document)" : pointer)
            + ": "
            + String.valueOf(cause.getMessage()).lines().findFirst().orElse(""),
        cause);
    this.pointer = requireNonNull(pointer, "pointer");
  }

  /** A JSON pointer into the document: the value that did not bind; empty for the document. */
  public String pointer() {
    return pointer;
  }
}
