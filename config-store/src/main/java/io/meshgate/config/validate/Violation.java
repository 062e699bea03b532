package io.meshgate.config.validate;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * One thing wrong with a document.
 *
 * @param path a JSON pointer into the document ({@code /spec/rules/0/backendRefs/1/weight}); empty
 *     for the document as a whole
 * @param message what is wrong and what is expected
 * @param value the offending value as JSON, shortened; null when the value is absent
 * @param check whether the JSON Schema or a Java rule found it
 */
public record Violation(String path, String message, @Nullable String value, Check check) {
  private static final int MAX_VALUE_LENGTH = 80;

  /** Which layer of validation reports a violation; docs/config-reference.md marks rules so. */
  public enum Check {
    /** Expressed in the kind's JSON Schema; editors using the schema see it too. */
    SCHEMA,
    /** A Java rule: something JSON Schema cannot express. */
    RULE
  }

  public Violation {
    requireNonNull(path, "path");
    requireNonNull(message, "message");
    requireNonNull(check, "check");
    if (value != null && value.length() > MAX_VALUE_LENGTH) {
      value = value.substring(0, MAX_VALUE_LENGTH - 3) + "...";
    }
  }

  /** {@code /spec/x: message (value: 70000)}, as the CLI and status print it. */
  @Override
  public String toString() {
    String where = path.isEmpty() ? "(document)" : path;
    return where + ": " + message + (value == null ? "" : " (value: " + value + ")");
  }
}
