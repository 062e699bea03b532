package io.meshgate.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.codec.Document;
import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import java.util.TreeMap;

/** Config snapshots from YAML for the discovery tests: each document validated, generation 1. */
final class TestConfigs {
  private TestConfigs() {}

  static ConfigSnapshot snapshot(String yaml) {
    TreeMap<ResourceKey, Resource> resources = new TreeMap<>();
    for (Document document : YamlDocuments.read("test.yaml", yaml)) {
      Validation validation = ResourceValidator.get().validate(document.tree());
      assertThat(validation).as(String.valueOf(validation)).isInstanceOf(Validation.Valid.class);
      Resource resource = ((Validation.Valid) validation).resource();
      resources.put(
          resource.key(), resource.withMetadata(resource.metadata().withBookkeeping("u", 1, 1)));
    }
    return new ConfigSnapshot(1, resources);
  }
}
