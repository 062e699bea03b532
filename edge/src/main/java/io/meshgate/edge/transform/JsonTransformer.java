package io.meshgate.edge.transform;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Applies operations to a JSON body: pure (no I/O, no clock), bounded in size (the transformation's
 * {@code maxBytes}) and in nesting depth ({@link #MAX_DEPTH}). Operations run in order on one
 * parsed tree; one whose field is absent (a Move or Remove of nothing, a Set below a scalar or past
 * an array's end) changes nothing and is listed as skipped.
 */
public final class JsonTransformer {
  /** Deeper documents are refused: a parser's stack is a resource a client must not size. */
  public static final int MAX_DEPTH = 64;

  private final ObjectMapper json;

  public JsonTransformer() {
    this.json =
        JsonMapper.builder(
                JsonFactory.builder()
                    .streamReadConstraints(
                        StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
                    .build())
            .build();
  }

  /** What became of a body. */
  public sealed interface Result {}

  /** The new body; {@code skipped} says which operations found nothing to act on. */
  public record Transformed(byte[] body, List<String> skipped) implements Result {
    public Transformed {
      skipped = List.copyOf(skipped);
    }
  }

  /** Not a JSON body (by its content type), or empty: left as it is. */
  public record PassedThrough(String reason) implements Result {}

  /** Why a body is refused. */
  public enum Refusal {
    TOO_LARGE,
    TOO_DEEP,
    NOT_JSON
  }

  /** The body cannot be transformed; {@code detail} is safe to show a client (no body content). */
  public record Refused(Refusal refusal, String detail) implements Result {}

  /** Whether a {@code content-type} names JSON: {@code application/json} or {@code +json}. */
  public static boolean isJson(@Nullable String contentType) {
    if (contentType == null) {
      return false;
    }
    String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return type.equals("application/json")
        || (type.startsWith("application/") && type.endsWith("+json"));
  }

  /**
   * Transforms {@code body} if its content type is JSON.
   *
   * @param contentType the message's {@code content-type}; null when absent
   */
  public Result transform(
      byte[] body,
      @Nullable String contentType,
      List<Operation> operations,
      int maxBytes,
      RequestData request) {
    if (body.length == 0) {
      return new PassedThrough("empty body");
    }
    if (!isJson(contentType)) {
      return new PassedThrough("content-type " + contentType + " is not JSON");
    }
    if (body.length > maxBytes) {
      return new Refused(
          Refusal.TOO_LARGE,
          "body: " + body.length + " bytes (expected: at most " + maxBytes + ")");
    }
    JsonNode root;
    try {
      root = json.readTree(body);
    } catch (StreamConstraintsException e) {
      return new Refused(
          Refusal.TOO_DEEP,
          "body: nested deeper than "
              + MAX_DEPTH
              + " levels (expected: at most "
              + MAX_DEPTH
              + ")");
    } catch (IOException e) {
      return new Refused(Refusal.NOT_JSON, "body: not valid JSON");
    }
    if (root == null || root.isMissingNode()) {
      return new Refused(Refusal.NOT_JSON, "body: not valid JSON");
    }
    List<String> skipped = new ArrayList<>();
    for (Operation operation : operations) {
      String problem = apply(root, operation, request);
      if (problem != null) {
        skipped.add(problem);
      }
    }
    try {
      return new Transformed(json.writeValueAsBytes(root), skipped);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a parsed tree must serialise", e);
    }
  }

  /** Applies one operation; returns why it was skipped, or null. */
  private static @Nullable String apply(JsonNode root, Operation operation, RequestData request) {
    if (operation instanceof Operation.Remove remove) {
      return remove(root, remove.path()) ? null : "Remove " + remove.path() + ": absent";
    }
    if (operation instanceof Operation.Set set) {
      return put(root, set.path(), TextNode.valueOf(TemplateFill.fill(set.value(), request)))
          ? null
          : "Set " + set.path() + ": no object or array to hold it";
    }
    Operation.Move move = (Operation.Move) operation;
    JsonNode value = root.at(move.from());
    if (value.isMissingNode()) {
      return "Move " + move.from() + ": absent";
    }
    if (container(root, move.to().head(), false) == null) {
      return "Move " + move.from() + " to " + move.to() + ": no object or array to hold it";
    }
    remove(root, move.from());
    return put(root, move.to(), value)
        ? null
        : "Move " + move.from() + " to " + move.to() + ": no object or array to hold it";
  }

  private static boolean remove(JsonNode root, JsonPointer path) {
    JsonNode parent = root.at(path.head());
    JsonPointer last = path.last();
    if (parent instanceof ObjectNode object) {
      return object.remove(last.getMatchingProperty()) != null;
    }
    if (parent instanceof ArrayNode array) {
      int index = last.getMatchingIndex();
      if (index >= 0 && index < array.size()) {
        array.remove(index);
        return true;
      }
    }
    return false;
  }

  /** Sets {@code value} at {@code path}, creating missing objects on the way. */
  private static boolean put(JsonNode root, JsonPointer path, JsonNode value) {
    ContainerNode<?> parent = container(root, path.head(), true);
    String property = path.last().getMatchingProperty();
    if (parent instanceof ObjectNode object) {
      object.set(property, value);
      return true;
    }
    if (parent instanceof ArrayNode array) {
      int index = path.last().getMatchingIndex();
      if (property.equals("-") || index == array.size()) {
        array.add(value);
        return true;
      }
      if (index >= 0 && index < array.size()) {
        array.set(index, value);
        return true;
      }
    }
    return false;
  }

  /**
   * The object or array at {@code pointer}, creating missing members as objects when {@code
   * create}; null when a scalar or an array's end is in the way (or, without {@code create}, a
   * member is missing that {@code create} would add: reported as present, since it can be made).
   */
  private static @Nullable ContainerNode<?> container(
      JsonNode root, JsonPointer pointer, boolean create) {
    JsonNode node = root;
    JsonPointer rest = pointer;
    while (!rest.matches()) {
      if (node instanceof ObjectNode object) {
        JsonNode child = object.get(rest.getMatchingProperty());
        if (child == null) {
          if (!create) {
            return object;
          }
          child = object.putObject(rest.getMatchingProperty());
        }
        node = child;
      } else if (node instanceof ArrayNode array) {
        int index = rest.getMatchingIndex();
        if (index < 0 || index >= array.size()) {
          return null;
        }
        node = array.get(index);
      } else {
        return null;
      }
      rest = rest.tail();
    }
    return node instanceof ContainerNode<?> container ? container : null;
  }
}
