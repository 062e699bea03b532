package io.meshgate.config.codec;

import com.fasterxml.jackson.core.JsonProcessingException;
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
   * @throws IllegalArgumentException if it does not bind (validate first to learn why)
   */
  public static Resource fromTree(JsonNode document) {
    try {
      Kind kind = Kind.fromWireName(document.path("kind").asText());
      ObjectMeta metadata = Mappers.json().treeToValue(document.get("metadata"), ObjectMeta.class);
      JsonNode specNode = kind == Kind.SECRET ? secretSpec(document) : document.get("spec");
      Spec spec = Mappers.json().treeToValue(specNode, kind.specType());
      ResourceStatus status =
          document.hasNonNull("status")
              ? Mappers.json().treeToValue(document.get("status"), ResourceStatus.class)
              : null;
      return new Resource(document.path("apiVersion").asText(), kind, metadata, spec, status);
    } catch (JsonProcessingException | RuntimeException e) {
      throw new IllegalArgumentException("document does not bind: " + e.getMessage(), e);
    }
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
