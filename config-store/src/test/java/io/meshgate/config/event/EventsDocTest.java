package io.meshgate.config.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.codec.Document;
import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import io.meshgate.testkit.GoldenFiles;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The examples in docs/events.md are the encoder's output, byte for byte. Each example is a YAML
 * input block after {@code <!-- example: NAME -->} and the event block after {@code <!-- event
 * -->}; the name's prefix says which event it is (applied, deleted, changeset).
 */
class EventsDocTest {
  private static final Path DOC = Path.of("../docs/events.md");
  private static final Pattern EXAMPLE =
      Pattern.compile(
          "<!-- example: ([a-z0-9-]+) -->\n```yaml\n(.*?)```\n<!-- event -->\n```yaml\n(.*?)```",
          Pattern.DOTALL);

  @Test
  void everyExampleIsWhatTheEncoderPrints() {
    String doc = GoldenFiles.read(DOC);
    Matcher matcher = EXAMPLE.matcher(doc);
    StringBuilder regenerated = new StringBuilder();
    int examples = 0;
    while (matcher.find()) {
      examples++;
      String name = matcher.group(1);
      String printed = EventPrinter.yaml(encode(name, matcher.group(2), examples));
      matcher.appendReplacement(
          regenerated,
          Matcher.quoteReplacement(
              "<!-- example: "
                  + name
                  + " -->\n```yaml\n"
                  + matcher.group(2)
                  + "```\n<!-- event -->\n```yaml\n"
                  + printed
                  + "```"));
    }
    matcher.appendTail(regenerated);

    assertThat(examples).as("examples in %s", DOC).isGreaterThanOrEqualTo(4);
    GoldenFiles.assertMatches(DOC, regenerated.toString(), "config-store");
  }

  private static List<ConfigEvent> encode(String name, String inputYaml, int example) {
    AtomicInteger ids = new AtomicInteger();
    EventEncoder encoder =
        new EventEncoder(
            Clock.fixed(Instant.parse("2026-11-26T09:30:00Z").plusSeconds(example), ZoneOffset.UTC),
            () ->
                String.format(
                    "6f1c2a8e-0000-4000-8000-%012d", example * 10 + ids.incrementAndGet()),
            "meshgate-cli/alice@laptop");
    List<Document> documents = YamlDocuments.read(name, inputYaml);
    if (name.startsWith("deleted-")) {
      var tree = documents.get(0).tree();
      ObjectMeta metadata =
          ObjectMeta.of(
              tree.path("metadata").path("namespace").asText(),
              tree.path("metadata").path("name").asText());
      ResourceKey key =
          new ResourceKey(
              Kind.fromWireName(tree.path("kind").asText()), metadata.namespace(), metadata.name());
      return List.of(encoder.deleted(tree.path("apiVersion").asText(), key, OptionalLong.empty()));
    }
    List<Resource> resources = new ArrayList<>();
    for (Document document : documents) {
      Validation validation = ResourceValidator.get().validate(document.tree());
      assertThat(validation)
          .as("example %s must be valid", name)
          .isInstanceOf(Validation.Valid.class);
      resources.add(((Validation.Valid) validation).resource());
    }
    if (name.startsWith("changeset-")) {
      return List.of(
          encoder.changeset(resources.get(0).metadata().namespace(), resources, List.of()));
    }
    OptionalLong ifRevision =
        name.contains("if-revision-0") ? OptionalLong.of(0) : OptionalLong.empty();
    return resources.stream().map(r -> encoder.applied(r, ifRevision)).toList();
  }
}
