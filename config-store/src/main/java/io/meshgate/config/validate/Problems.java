package io.meshgate.config.validate;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.meshgate.config.codec.Mappers;
import java.util.ArrayList;
import java.util.List;

/** Collects the violations that Java rules find, each at a JSON pointer. */
final class Problems {
  private final List<Violation> violations = new ArrayList<>();

  /** Records a violation at {@code path} with the offending value (null when absent). */
  void add(String path, String message, Object value) {
    violations.add(new Violation(path, message, json(value), Violation.Check.RULE));
  }

  List<Violation> violations() {
    return List.copyOf(violations);
  }

  static String json(Object value) {
    if (value == null) {
      return null;
    }
    try {
      return Mappers.json().writeValueAsString(value);
    } catch (JsonProcessingException e) {
      return String.valueOf(value);
    }
  }
}
