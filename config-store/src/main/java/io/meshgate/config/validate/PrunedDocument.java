package io.meshgate.config.validate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import io.meshgate.config.codec.BindingException;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.codec.ResourceCodec;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Spec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A document the schema refused, without the parts the Java rules cannot read, so that the rules
 * still check the rest in the same pass.
 *
 * <p>Taken out: unknown fields; values of the wrong type, or outside an enumeration; then whatever
 * still does not bind, such as an object that misses a required field or a list item that does.
 * Values of the right type that break a range, a length or a pattern stay: the rules can read them.
 *
 * <p>A rule's finding is kept only if it cannot depend on what was taken out. Dropped are findings
 * at a path the schema already reports, at a removed value or above it (an "exactly one of" or "is
 * required" may be missing it), and anywhere in the object that held a removed value (a sibling may
 * read the default that stands in for it). A removed list item drops no findings of its siblings:
 * they only miss a comparison with it. Unknown fields drop nothing: the model never reads them.
 *
 * <p>Rules see the list items that remain at new indexes; {@link #original} maps their paths back.
 */
final class PrunedDocument {
  private final JsonNode document;

  /** JSON pointers into {@link #document}, as it is, of everything taken out. */
  private final Set<String> removed = new HashSet<>();

  /** The removed values whose absence a rule may notice: all but unknown fields. */
  private final Set<String> noticeable = new HashSet<>();

  /** Where a violation is already reported: by the schema, or by a check that ran before it. */
  private final Set<String> reported;

  private PrunedDocument(JsonNode document, Set<String> reported) {
    this.document = document;
    this.reported = reported;
  }

  /**
   * The document without what the schema's errors make unreadable.
   *
   * @param reported every path already reported for this document
   */
  static PrunedDocument of(JsonNode document, List<Error> schemaErrors, Set<String> reported) {
    PrunedDocument pruned = new PrunedDocument(document, Set.copyOf(reported));
    for (Error error : schemaErrors) {
      String at = SchemaMessages.pointer(error.getInstanceLocation());
      switch (error.getKeyword() == null ? "" : error.getKeyword()) {
        case "additionalProperties" -> pruned.remove(at + "/" + escape(error.getProperty()), false);
        case "type", "enum", "const" -> pruned.remove(at, true);
        default -> {
          // The value has the right type: the rules can read it.
        }
      }
    }
    return pruned;
  }

  /**
   * The kind's spec, bound from what is left after taking out, one by one, the values that do not
   * bind; empty when the spec as a whole does not.
   */
  Optional<Spec> spec(Kind kind) {
    while (true) {
      try {
        return Optional.of(ResourceCodec.specFromTree(kind, pruned()));
      } catch (BindingException e) {
        String at = original(e.pointer());
        boolean wholeSpec = at.isEmpty() || at.equals("/spec");
        if (wholeSpec || removed.contains(at) || document.at(at).isMissingNode()) {
          return Optional.empty();
        }
        remove(at, true);
      }
    }
  }

  /**
   * The rules' findings, at their paths in the document, that cannot depend on what was removed.
   */
  List<Violation> independent(Collection<Violation> findings) {
    List<Violation> kept = new ArrayList<>();
    for (Violation finding : findings) {
      if (!reported.contains(finding.path()) && !dependsOnRemoved(finding.path())) {
        kept.add(finding);
      }
    }
    return kept;
  }

  /**
   * The path in the document of a path into the pruned copy: list indexes past a removed item move
   * up again. Segments beyond the document (a required field that is absent) are kept as they are.
   */
  String original(String prunedPointer) {
    if (prunedPointer.isEmpty()) {
      return "";
    }
    StringBuilder original = new StringBuilder();
    JsonNode node = document;
    for (String segment : prunedPointer.substring(1).split("/", -1)) {
      if (node.isArray() && isIndex(segment)) {
        int index = originalIndex(original.toString(), node.size(), Integer.parseInt(segment));
        original.append('/').append(index);
        node = node.path(index);
      } else {
        original.append('/').append(segment);
        node = node.path(unescape(segment));
      }
    }
    return original.toString();
  }

  /** The index in the document of the {@code kept}-th item that was not removed from a list. */
  private int originalIndex(String list, int size, int kept) {
    int seen = -1;
    for (int i = 0; i < size; i++) {
      if (!removed.contains(list + "/" + i) && ++seen == kept) {
        return i;
      }
    }
    // Past the end of the pruned list too: count on from its last item.
    return size + kept - seen - 1;
  }

  private void remove(String pointer, boolean absenceNoticeable) {
    if (document.at(pointer).isMissingNode()) {
      return;
    }
    removed.add(pointer);
    if (absenceNoticeable) {
      noticeable.add(pointer);
    }
  }

  private boolean dependsOnRemoved(String path) {
    for (String value : noticeable) {
      if (within(value, path)) {
        return true;
      }
      String holder = parent(value);
      if (document.at(holder).isObject() && within(path, holder)) {
        return true;
      }
    }
    return false;
  }

  /** The document without what was removed; the document itself when nothing was. */
  private JsonNode pruned() {
    return removed.isEmpty() ? document : copy(document, "");
  }

  private JsonNode copy(JsonNode node, String pointer) {
    if (node.isObject()) {
      ObjectNode copy = Mappers.json().createObjectNode();
      node.fields()
          .forEachRemaining(
              field -> {
                String at = pointer + "/" + escape(field.getKey());
                if (!removed.contains(at)) {
                  copy.set(field.getKey(), copy(field.getValue(), at));
                }
              });
      return copy;
    }
    if (node.isArray()) {
      ArrayNode copy = Mappers.json().createArrayNode();
      for (int i = 0; i < node.size(); i++) {
        String at = pointer + "/" + i;
        if (!removed.contains(at)) {
          copy.add(copy(node.get(i), at));
        }
      }
      return copy;
    }
    return node;
  }

  /** Whether {@code path} is {@code ancestor} or lies below it. */
  private static boolean within(String path, String ancestor) {
    return path.equals(ancestor) || path.startsWith(ancestor + "/");
  }

  private static String parent(String pointer) {
    return pointer.substring(0, Math.max(0, pointer.lastIndexOf('/')));
  }

  private static boolean isIndex(String segment) {
    return !segment.isEmpty() && segment.chars().allMatch(Character::isDigit);
  }

  private static String escape(String name) {
    return name == null ? "" : name.replace("~", "~0").replace("/", "~1");
  }

  private static String unescape(String segment) {
    return segment.replace("~1", "/").replace("~0", "~");
  }
}
