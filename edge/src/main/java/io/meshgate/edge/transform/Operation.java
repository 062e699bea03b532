package io.meshgate.edge.transform;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonPointer;
import io.meshgate.config.model.Template;

/** One change to a JSON document, by JSON Pointer (RFC 6901). */
public sealed interface Operation {
  /** Moves the value at {@code from} to {@code to} (rename, or move within the document). */
  record Move(JsonPointer from, JsonPointer to) implements Operation {
    public Move {
      requireNonNull(from, "from");
      requireNonNull(to, "to");
    }
  }

  /** Removes the value at {@code path}. */
  record Remove(JsonPointer path) implements Operation {
    public Remove {
      requireNonNull(path, "path");
    }
  }

  /** Sets the value at {@code path} to the template's text. */
  record Set(JsonPointer path, Template value) implements Operation {
    public Set {
      requireNonNull(path, "path");
      requireNonNull(value, "value");
    }
  }

  /** A pointer from its RFC 6901 text; throws IllegalArgumentException for a malformed one. */
  static JsonPointer pointer(String text) {
    JsonPointer pointer = JsonPointer.compile(text);
    if (pointer.matches()) {
      throw new IllegalArgumentException(
          "pointer: '' (expected: a member below the root, like /a)");
    }
    return pointer;
  }
}
