package io.meshgate.xds.ir;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The IR as YAML, for golden files and debugging: sealed types carry a {@code type} field rather
 * than YAML tags, so any YAML reader can follow them.
 */
public final class IrYaml {
  private static final ObjectMapper YAML =
      YAMLMapper.builder(
              YAMLFactory.builder()
                  .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                  .disable(YAMLGenerator.Feature.USE_NATIVE_TYPE_ID)
                  .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                  .build())
          .serializationInclusion(JsonInclude.Include.NON_EMPTY)
          .build();

  private IrYaml() {}

  public static String write(List<ProxyGroupIr> groups) {
    try {
      return YAML.writeValueAsString(groups);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static List<ProxyGroupIr> read(String yaml) {
    try {
      return YAML.readValue(
          yaml, YAML.getTypeFactory().constructCollectionType(List.class, ProxyGroupIr.class));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not an IR document: " + e.getOriginalMessage(), e);
    }
  }
}
