package io.meshgate.config.codec;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads multi-document YAML (or JSON) streams, as {@code kubectl apply -f} does: documents that
 * hold nothing — a trailing {@code ---}, only comments, {@code ~} or {@code null} — are skipped;
 * every other document is returned, mappings or not, for the validator to judge.
 */
public final class YamlDocuments {
  private YamlDocuments() {}

  /**
   * Every non-empty document of {@code text}. A syntax error ends the stream: it becomes the last
   * document, with the line and column where reading stopped.
   */
  public static List<Document> read(String source, String text) {
    List<Document> documents = new ArrayList<>();
    try (JsonParser parser = Mappers.yaml().createParser(text)) {
      while (true) {
        try {
          // Each value at the top level of the stream is one document.
          JsonToken token = parser.nextToken();
          if (token == null) {
            break;
          }
          if (isEmpty(parser)) {
            continue;
          }
          JsonNode node = Mappers.yaml().readTree(parser);
          if (node == null || node.isMissingNode() || node.isNull()) {
            continue;
          }
          documents.add(new Document(source, documents.size(), node, null));
        } catch (JsonProcessingException e) {
          documents.add(new Document(source, documents.size(), null, describe(e)));
          break;
        }
      }
    } catch (IOException e) {
      documents.add(new Document(source, documents.size(), null, e.getMessage()));
    }
    return documents;
  }

  /**
   * Whether the parser stands on a document with no content. SnakeYAML reads one as an empty plain
   * scalar, which Jackson hands on as the string {@code ""}, just as it does a quoted {@code ''};
   * only the empty one spans no characters. {@code ''} is a document, and not a resource.
   */
  private static boolean isEmpty(JsonParser parser) throws IOException {
    if (parser.currentToken() != JsonToken.VALUE_STRING || !parser.getText().isEmpty()) {
      return false;
    }
    JsonLocation start = parser.currentTokenLocation();
    JsonLocation end = parser.currentLocation();
    return start.getCharOffset() == end.getCharOffset();
  }

  private static String describe(JsonProcessingException e) {
    JsonLocation location = e.getLocation();
    String where =
        location == null
            ? ""
            : "line " + location.getLineNr() + ", column " + location.getColumnNr() + ": ";
    // SnakeYAML's message spans lines with source excerpts; keep the statements, drop the echo.
    String problem =
        e.getOriginalMessage()
            .lines()
            .filter(line -> !line.isBlank() && !Character.isWhitespace(line.charAt(0)))
            .filter(line -> !line.startsWith("in '"))
            .map(String::strip)
            .reduce((a, b) -> a + "; " + b)
            .orElse("unreadable");
    return "not valid YAML: " + where + problem;
  }
}
