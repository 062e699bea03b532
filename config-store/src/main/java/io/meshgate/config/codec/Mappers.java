package io.meshgate.config.codec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.MapperBuilder;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.List;
import java.util.Map;

/** The two configured Jackson mappers. Both are thread-safe and shared. */
public final class Mappers {
  private static final ObjectMapper JSON = configure(JsonMapper.builder()).build();
  private static final ObjectMapper YAML =
      configure(
              YAMLMapper.builder(
                  YAMLFactory.builder()
                      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                      .build()))
          .build();

  private Mappers() {}

  /** Canonical JSON: compact, map keys sorted, absent and empty collections left out. */
  public static ObjectMapper json() {
    return JSON;
  }

  /** YAML with the same rules, for reading users' files and printing. */
  public static ObjectMapper yaml() {
    return YAML;
  }

  private static <M extends ObjectMapper, B extends MapperBuilder<M, B>> B configure(B builder) {
    builder
        .serializationInclusion(JsonInclude.Include.NON_NULL)
        .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .disable(MapperFeature.AUTO_DETECT_IS_GETTERS)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS);
    // An empty list or map means the same as an absent one; leaving both out keeps one spelling.
    builder.withConfigOverride(
        List.class,
        o -> o.setInclude(JsonInclude.Value.construct(JsonInclude.Include.NON_EMPTY, null)));
    builder.withConfigOverride(
        Map.class,
        o -> o.setInclude(JsonInclude.Value.construct(JsonInclude.Include.NON_EMPTY, null)));
    return builder;
  }
}
