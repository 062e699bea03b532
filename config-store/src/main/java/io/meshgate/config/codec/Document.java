package io.meshgate.config.codec;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

/**
 * One document of a YAML stream, or the error that stopped reading it.
 *
 * @param source the file name or {@code -} for standard input
 * @param index 0-based position in the stream, counting only non-empty documents
 * @param tree the parsed document, or null if it did not parse
 * @param parseError why it did not parse (with line and column), or null
 */
public record Document(
    String source, int index, @Nullable JsonNode tree, @Nullable String parseError) {
  public Document {
    requireNonNull(source, "source");
    if ((tree == null) == (parseError == null)) {
      throw new IllegalArgumentException("exactly one of tree and parseError");
    }
  }

  /** {@code file#index}, as the CLI prints it. */
  public String location() {
    return source + "#" + index;
  }
}
