package io.meshgate.config.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.PathType;
import io.meshgate.config.model.Kind;
import java.util.EnumMap;
import java.util.Map;

/** The compiled schema of every kind, built once. Thread-safe. */
public final class KindSchemas {
  private static final KindSchemas INSTANCE = new KindSchemas();

  private final Map<Kind, JsonNode> nodes = new EnumMap<>(Kind.class);
  private final Map<Kind, Schema> compiled = new EnumMap<>(Kind.class);

  private KindSchemas() {
    SchemaRegistry registry =
        SchemaRegistry.withDefaultDialect(
            SpecificationVersion.DRAFT_2020_12,
            builder ->
                builder.schemaRegistryConfig(
                    SchemaRegistryConfig.builder().pathType(PathType.JSON_POINTER).build()));
    for (Kind kind : Kind.values()) {
      JsonNode node = SchemaGenerator.generate(kind);
      nodes.put(kind, node);
      compiled.put(kind, registry.getSchema(node));
    }
  }

  public static KindSchemas get() {
    return INSTANCE;
  }

  /** The schema document, as shipped in {@code config-store/schemas/<kind>.json}. */
  public JsonNode node(Kind kind) {
    return nodes.get(kind);
  }

  public Schema compiled(Kind kind) {
    return compiled.get(kind);
  }
}
