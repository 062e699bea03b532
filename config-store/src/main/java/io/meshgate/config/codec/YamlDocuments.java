package io.meshgate.config.codec;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Reads multi-document YAML (or JSON) streams, as {@code kubectl apply -f} does. */
public final class YamlDocuments {
  private YamlDocuments() {}

  /**
   * Every non-empty document of {@code text}. A syntax error ends the stream: it becomes the last
   * document, with the line and column where reading stopped.
   */
  public static List<Document> read(String source, String text) {
    List<Document> documents = new ArrayList<>();
    try (MappingIterator<JsonNode> iterator =
        Mappers.yaml().readerFor(JsonNode.class).readValues(text)) {
      while (true) {
        try {
          if (!iterator.hasNextValue()) {
            break;
          }
          JsonNode node = iterator.nextValue();
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
