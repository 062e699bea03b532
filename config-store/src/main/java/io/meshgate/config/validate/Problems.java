package io.meshgate.config.validate;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.meshgate.config.codec.Mappers;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Collects the violations that Java rules find, each at a JSON pointer. Rules may run on a pruned
 * copy of the document (see {@link PrunedDocument}); paths and the list items that messages name
 * are then turned back into the document's.
 */
final class Problems {
  private final List<Violation> violations = new ArrayList<>();
  private final UnaryOperator<String> toDocument;

  /** For rules that read the document itself. */
  Problems() {
    this(UnaryOperator.identity());
  }

  /**
   * @param toDocument the path in the document of a path the rules see
   */
  Problems(UnaryOperator<String> toDocument) {
    this.toDocument = requireNonNull(toDocument, "toDocument");
  }

  /** Records a violation at {@code path} with the offending value (null when absent). */
  void add(String path, String message, @Nullable Object value) {
    violations.add(
        new Violation(toDocument.apply(path), message, json(value), Violation.Check.RULE));
  }

  /** A list item for a message, such as {@code listeners[2]}, as the document numbers it. */
  String item(String pointer) {
    String path = toDocument.apply(pointer);
    int index = path.lastIndexOf('/');
    int list = path.lastIndexOf('/', index - 1);
    return path.substring(list + 1, index) + "[" + path.substring(index + 1) + "]";
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
