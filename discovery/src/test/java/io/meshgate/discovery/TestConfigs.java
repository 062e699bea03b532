package io.meshgate.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.codec.Document;
import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.config.model.HealthStatus;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.config.store.Registration;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/** Config snapshots from YAML for the discovery tests: each document validated, generation 1. */
final class TestConfigs {
  private TestConfigs() {}

  /** The Workload of {@code yaml} as an agent registered it, with the health its check reports. */
  static Registration registered(String yaml, HealthStatus health) {
    Resource workload = snapshot(yaml).ofKind(Kind.WORKLOAD).get(0);
    return new Registration(
        workload, "agent-1", health, "", "replica-0", Instant.parse("2026-12-06T00:00:00Z"));
  }

  /** Registrations at revision 7 holding exactly {@code registrations}. */
  static Registrations registrations(Registration... registrations) {
    Map<ResourceKey, Registration> byWorkload = new TreeMap<>();
    for (Registration r : registrations) {
      byWorkload.put(r.key(), r);
    }
    return Registrations.of(7, byWorkload);
  }

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
