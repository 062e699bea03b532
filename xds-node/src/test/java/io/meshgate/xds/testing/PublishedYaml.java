package io.meshgate.xds.testing;

import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.event.EventEncoder;
import io.meshgate.config.event.EventPublisher;
import io.meshgate.config.model.Resource;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Config as a test writes it, published to Kafka as {@code meshgate apply} publishes it: each
 * document of the YAML validated and sent as an applied event.
 */
public final class PublishedYaml {
  private PublishedYaml() {}

  /** The applied events of every document in {@code yaml}, from {@code source}. */
  public static List<ConfigEvent> events(String source, String yaml) {
    EventEncoder encoder = EventEncoder.forSource(source);
    List<ConfigEvent> events = new ArrayList<>();
    for (var document : YamlDocuments.read("-", yaml)) {
      Resource resource =
          ((Validation.Valid) ResourceValidator.get().validate(document.tree())).resource();
      events.add(encoder.applied(resource, OptionalLong.empty()));
    }
    return events;
  }

  /** Publishes {@link #events} to the broker at {@code bootstrapServers}. */
  public static void publish(String bootstrapServers, String source, String yaml) {
    try (EventPublisher publisher =
        new EventPublisher(bootstrapServers, Duration.ofSeconds(30), Map.of())) {
      publisher.publish(events(source, yaml));
    }
  }
}
