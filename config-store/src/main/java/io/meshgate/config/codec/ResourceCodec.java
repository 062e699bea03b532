package io.meshgate.config.codec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceStatus;
import io.meshgate.config.model.Spec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Resources to JSON trees, bytes and YAML, and back. Secrets are the one kind without a {@code
 * spec}: as in Kubernetes, their {@code type}, {@code data} and {@code sealed} stand at the top
 * level, and the codec moves them in and out of {@link io.meshgate.config.model.SecretSpec}.
 */
public final class ResourceCodec {
  /** Top-level fields of a Secret that the model keeps in its spec. */
  static final List<String> SECRET_FIELDS = List.of("type", "data", "sealed");

  private ResourceCodec() {}

  /**
   * Binds a document that passed validation.
   *
   * @throws BindingException if it does not bind (validate first to learn why)
   */
  public static Resource fromTree(JsonNode document) {
    Kind kind = kind(document);
    ObjectMeta metadata = bind(document.get("metadata"), ObjectMeta.class, "/metadata");
    Spec spec = specFromTree(kind, document);
    ResourceStatus status =
        document.hasNonNull("status")
            ? bind(document.get("status"), ResourceStatus.class, "/status")
            : null;
    try {
      return new Resource(document.path("apiVersion").asText(), kind, metadata, spec, status);
    } catch (RuntimeException e) {
      throw new BindingException("", e);
    }
  }

  /**
   * Binds only the spec of a document — for a Secret, its top-level {@code type}, {@code data} and
   * {@code sealed} — so that the rules of the spec can run while its metadata is still wrong.
   *
   * @throws BindingException if the spec does not bind, with where
   */
  public static Spec specFromTree(Kind kind, JsonNode document) {
    if (kind == Kind.SECRET) {
      // The lifted fields keep their names, so a path into the spec is one into the document.
      return bind(secretSpec(document), kind.specType(), "");
    }
    JsonNode spec = document.get("spec");
    if (spec == null || !spec.isObject()) {
      throw new BindingException("/spec", new IllegalArgumentException("spec: expected an object"));
    }
    return bind(spec, kind.specType(), "/spec");
  }

  public static JsonNode toTree(Resource resource) {
    ObjectNode tree = Mappers.json().valueToTree(resource);
    if (resource.kind() == Kind.SECRET) {
      JsonNode spec = tree.remove("spec");
      ObjectNode lifted = tree.objectNode();
      lifted.set("apiVersion", tree.get("apiVersion"));
      lifted.set("kind", tree.get("kind"));
      lifted.set("metadata", tree.get("metadata"));
      SECRET_FIELDS.forEach(
          field -> {
            if (spec.has(field)) {
              lifted.set(field, spec.get(field));
            }
          });
      if (tree.has("status")) {
        lifted.set("status", tree.get("status"));
      }
      return lifted;
    }
    return tree;
  }

  /** Canonical compact JSON, UTF-8: the bytes published to Kafka and stored in etcd. */
  public static byte[] toJson(Resource resource) {
    try {
      return Mappers.json().writeValueAsBytes(toTree(resource));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String toYaml(Resource resource) {
    try {
      return Mappers.yaml().writeValueAsString(toTree(resource));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Parses JSON bytes into a tree, e.g. a Kafka record value. */
  public static JsonNode parseJson(byte[] json) throws IOException {
    return Mappers.json().readTree(json);
  }

  private static Kind kind(JsonNode document) {
    try {
      return Kind.fromWireName(document.path("kind").asText());
    } catch (RuntimeException e) {
      throw new BindingException("/kind", e);
    }
  }

  private static <T> T bind(JsonNode node, Class<T> type, String at) {
    try {
      T value = Mappers.json().treeToValue(node, type);
      if (value == null) {
        throw new BindingException(at, new IllegalArgumentException("absent"));
      }
      return value;
    } catch (JsonMappingException e) {
      throw new BindingException(at + pointer(e.getPath()), e);
    } catch (JsonProcessingException | RuntimeException e) {
      throw new BindingException(at, e);
    }
  }

  /** Jackson's path of a failure as a JSON pointer. */
  private static String pointer(List<JsonMappingException.Reference> path) {
    StringBuilder pointer = new StringBuilder();
    for (JsonMappingException.Reference reference : path) {
      String name = reference.getFieldName();
      pointer
          .append('/')
          .append(
              name != null
                  ? name.replace("~", "~0").replace("/", "~1")
                  : String.valueOf(reference.getIndex()));
    }
    return pointer.toString();
  }

  private static JsonNode secretSpec(JsonNode document) {
    ObjectNode spec = Mappers.json().createObjectNode();
    SECRET_FIELDS.forEach(
        field -> {
          if (document.has(field)) {
            spec.set(field, document.get(field));
          }
        });
    return spec;
  }
}
