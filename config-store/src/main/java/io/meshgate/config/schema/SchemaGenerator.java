package io.meshgate.config.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import io.meshgate.config.model.Constraint.Values;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Patterns;
import io.meshgate.config.model.SecretSpec;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds a kind's JSON Schema by reflection over its spec record. Deterministic: definitions are
 * sorted by name and properties follow record order, so the output is stable byte for byte.
 */
public final class SchemaGenerator {
  public static final String DIALECT = "https://json-schema.org/draft/2020-12/schema";
  public static final String ID_PREFIX = "https://meshgate.io/schemas/";

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private SchemaGenerator() {}

  /** The complete schema of one kind, with every record it uses under {@code $defs}. */
  public static ObjectNode generate(Kind kind) {
    Map<String, ObjectNode> defs = new TreeMap<>();
    Deque<Class<?>> pending = new ArrayDeque<>();

    ObjectNode root = NODES.objectNode();
    root.put("$schema", DIALECT);
    root.put("$id", ID_PREFIX + kind.lowerName() + ".json");
    root.put("title", kind.wireName());
    ModelReflection.doc(kind.specType()).ifPresent(d -> root.put("description", d));
    root.put("type", "object");
    ObjectNode properties = root.putObject("properties");
    ArrayNode apiVersions = properties.putObject("apiVersion").putArray("enum");
    kind.apiVersions().forEach(apiVersions::add);
    properties.putObject("kind").put("const", kind.wireName());
    properties.set("metadata", metadata());
    ArrayNode required = root.putArray("required").add("apiVersion").add("kind").add("metadata");
    if (kind == Kind.SECRET) {
      // Secrets keep Kubernetes' shape: their fields stand beside metadata, not under spec.
      for (RecordComponent component : SecretSpec.class.getRecordComponents()) {
        properties.set(ModelReflection.jsonName(component), property(component, pending));
      }
    } else {
      properties.set("spec", ref(kind.specType(), pending));
      required.add("spec");
    }
    properties
        .putObject("status")
        .put("type", "object")
        .put("description", "Written by meshgate; ignored in what users send.");
    root.put("additionalProperties", false);

    while (!pending.isEmpty()) {
      Class<?> type = pending.pop();
      if (!defs.containsKey(type.getSimpleName())) {
        defs.put(type.getSimpleName(), NODES.objectNode());
        defs.put(type.getSimpleName(), recordSchema(type, pending));
      }
    }
    ObjectNode defsNode = root.putObject("$defs");
    defs.forEach(defsNode::set);
    return root;
  }

  private static ObjectNode recordSchema(Class<?> type, Deque<Class<?>> pending) {
    ObjectNode schema = NODES.objectNode();
    ModelReflection.doc(type).ifPresent(d -> schema.put("description", d));
    schema.put("type", "object");
    ObjectNode properties = schema.putObject("properties");
    ArrayNode required = NODES.arrayNode();
    for (RecordComponent component : type.getRecordComponents()) {
      properties.set(ModelReflection.jsonName(component), property(component, pending));
      if (component.isAnnotationPresent(Required.class)) {
        required.add(ModelReflection.jsonName(component));
      }
    }
    if (!required.isEmpty()) {
      schema.set("required", required);
    }
    schema.put("additionalProperties", false);
    return schema;
  }

  private static ObjectNode property(RecordComponent component, Deque<Class<?>> pending) {
    Type generic = component.getGenericType();
    Class<?> raw = component.getType();
    ObjectNode schema;
    if (raw == List.class) {
      Class<?> item = ModelReflection.typeArgument(generic, 0);
      schema = NODES.objectNode();
      schema.put("type", "array");
      ObjectNode items = valueSchema(item, pending);
      applyScalarConstraints(component, item, items);
      schema.set("items", items);
      Size size = component.getAnnotation(Size.class);
      if (size != null) {
        if (size.min() > 0) {
          schema.put("minItems", size.min());
        }
        if (size.max() != Integer.MAX_VALUE) {
          schema.put("maxItems", size.max());
        }
      }
    } else if (raw == Map.class) {
      schema = NODES.objectNode();
      schema.put("type", "object");
      schema.set(
          "additionalProperties", valueSchema(ModelReflection.typeArgument(generic, 1), pending));
    } else {
      schema = valueSchema(raw, pending);
      applyScalarConstraints(component, raw, schema);
      Size size = component.getAnnotation(Size.class);
      if (raw == String.class) {
        int min = size == null ? 0 : size.min();
        if (component.isAnnotationPresent(Required.class)) {
          min = Math.max(min, 1);
        }
        if (min > 0) {
          schema.put("minLength", min);
        }
        if (size != null && size.max() != Integer.MAX_VALUE) {
          schema.put("maxLength", size.max());
        }
      }
    }
    Default defaultValue = component.getAnnotation(Default.class);
    if (defaultValue != null) {
      if (raw == Integer.class || raw == Long.class) {
        schema.put("default", Long.parseLong(defaultValue.value()));
      } else {
        schema.put("default", defaultValue.value());
      }
    }
    Doc doc = component.getAnnotation(Doc.class);
    if (doc != null) {
      // A $ref with siblings is fine in draft 2020-12; editors show the description.
      schema.put("description", doc.value());
    }
    return schema;
  }

  private static void applyScalarConstraints(
      RecordComponent component, Class<?> type, ObjectNode schema) {
    Range range = component.getAnnotation(Range.class);
    if (range != null) {
      if (range.min() != Long.MIN_VALUE) {
        schema.put("minimum", range.min());
      }
      if (range.max() != Long.MAX_VALUE) {
        schema.put("maximum", range.max());
      }
    }
    Values values = component.getAnnotation(Values.class);
    if (values != null) {
      ArrayNode allowed = schema.putArray("enum");
      for (long value : values.value()) {
        allowed.add(value);
      }
    }
    Pattern pattern = component.getAnnotation(Pattern.class);
    if (pattern != null && type == String.class) {
      schema.put("pattern", pattern.value());
      if (pattern.maxLength() != Integer.MAX_VALUE) {
        schema.put("maxLength", pattern.maxLength());
      }
    }
  }

  private static ObjectNode valueSchema(Class<?> type, Deque<Class<?>> pending) {
    ObjectNode schema = NODES.objectNode();
    if (type == String.class) {
      schema.put("type", "string");
    } else if (type == Integer.class || type == int.class || type == Long.class) {
      schema.put("type", "integer");
    } else if (type == Double.class) {
      schema.put("type", "number");
    } else if (type == Boolean.class) {
      schema.put("type", "boolean");
    } else if (type.isEnum()) {
      schema.put("type", "string");
      ArrayNode values = schema.putArray("enum");
      for (Object constant : type.getEnumConstants()) {
        values.add(ModelReflection.wireName((Enum<?>) constant));
      }
    } else if (type.isRecord()) {
      return ref(type, pending);
    } else {
      throw new IllegalStateException("no schema for " + type.getName());
    }
    return schema;
  }

  private static ObjectNode ref(Class<?> type, Deque<Class<?>> pending) {
    pending.push(type);
    return NODES.objectNode().put("$ref", "#/$defs/" + type.getSimpleName());
  }

  /** Kubernetes' metadata, with meshgate's rules for names and labels. */
  private static ObjectNode metadata() {
    ObjectNode schema = NODES.objectNode();
    schema.put("type", "object");
    ObjectNode properties = schema.putObject("properties");
    properties
        .putObject("name")
        .put("type", "string")
        .put("pattern", Patterns.NAME)
        .put("minLength", 1)
        .put("maxLength", 253);
    properties
        .putObject("namespace")
        .put("type", "string")
        .put("pattern", Patterns.LABEL)
        .put("maxLength", 63)
        .put("default", "default");
    for (String map : List.of("labels", "annotations")) {
      ObjectNode node = properties.putObject(map);
      node.put("type", "object");
      node.putObject("propertyNames").put("pattern", Patterns.LABEL_KEY).put("maxLength", 317);
      ObjectNode value = node.putObject("additionalProperties").put("type", "string");
      if (map.equals("labels")) {
        value.put("pattern", Patterns.LABEL_VALUE).put("maxLength", 63);
      }
    }
    String bookkeeping = "Set by meshgate; a value sent is replaced.";
    properties.putObject("uid").put("type", "string").put("description", bookkeeping);
    properties
        .putObject("generation")
        .put("type", "integer")
        .put("minimum", 1)
        .put("description", bookkeeping);
    properties.putObject("creationTimestamp").put("type", "string").put("description", bookkeeping);
    ObjectNode resourceVersion = properties.putObject("resourceVersion");
    resourceVersion.put("type", "integer").put("minimum", 0).put("description", bookkeeping);
    schema.putArray("required").add("name");
    schema.put("additionalProperties", false);
    return schema;
  }

  /** For tests and tools: the generated schema as a node. */
  static JsonNode node(Kind kind) {
    return generate(kind);
  }
}
