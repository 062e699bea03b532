package io.meshgate.config.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.DnsSource;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EventEncoderTest {
  private final AtomicInteger ids = new AtomicInteger();
  private final EventEncoder encoder =
      new EventEncoder(
          Clock.fixed(Instant.parse("2026-11-26T12:00:00.123456Z"), ZoneOffset.UTC),
          () -> "id-" + ids.incrementAndGet(),
          "meshgate-cli/test");

  private static Resource backend(String namespace, String name) {
    return Resource.of(
        Kind.BACKEND,
        ObjectMeta.of(namespace, name).withBookkeeping("uid-1", 3, 42),
        new BackendSpec(null, null, null, null, new DnsSource("api.example.com", 443), null, null));
  }

  @Test
  void anAppliedEventIsKeyedByNamespaceWithCloudEventsHeadersInOrder() {
    ConfigEvent event = encoder.applied(backend("shop", "api"), OptionalLong.of(41));

    assertThat(event.topic()).isEqualTo("meshgate.config");
    assertThat(event.key()).isEqualTo("shop");
    assertThat(event.headers())
        .containsExactly(
            java.util.Map.entry("ce_specversion", "1.0"),
            java.util.Map.entry("ce_id", "id-1"),
            java.util.Map.entry("ce_source", "meshgate-cli/test"),
            java.util.Map.entry("ce_type", "io.meshgate.resource.applied"),
            java.util.Map.entry("ce_subject", "Backend/shop/api"),
            java.util.Map.entry("ce_time", "2026-11-26T12:00:00.123Z"),
            java.util.Map.entry("ce_ifrevision", "41"),
            java.util.Map.entry("content-type", "application/json"));
  }

  @Test
  void theAppliedValueCarriesNoBookkeepingOrStatus() {
    ConfigEvent event = encoder.applied(backend("shop", "api"), OptionalLong.empty());

    assertThat(event.valueText())
        .isEqualTo(
            "{\"apiVersion\":\"meshgate.io/v1alpha1\",\"kind\":\"Backend\",\"metadata\":{\"name\":\"api\","
                + "\"namespace\":\"shop\"},\"spec\":{\"protocol\":\"HTTP\",\"dns\":{\"hostname\":\"api.example.com\","
                + "\"port\":443}}}");
    assertThat(event.headers()).doesNotContainKey("ce_ifrevision");
  }

  @Test
  void aDeleteNamesTheResourceInsteadOfBeingATombstone() {
    ConfigEvent event =
        encoder.deleted(
            "gateway.networking.k8s.io/v1",
            new ResourceKey(Kind.HTTP_ROUTE, "shop", "web"),
            OptionalLong.empty());

    assertThat(event.type()).isEqualTo(EventType.DELETED);
    assertThat(event.valueText())
        .isEqualTo(
            "{\"apiVersion\":\"gateway.networking.k8s.io/v1\",\"kind\":\"HTTPRoute\",\"metadata\":{\"name\":\"web\",\"namespace\":\"shop\"}}");
  }

  @Test
  void aChangesetIsOneRecordOfOneNamespace() {
    ConfigEvent event =
        encoder.changeset(
            "shop",
            List.of(backend("shop", "a")),
            List.of(new ResourceKey(Kind.BACKEND, "shop", "b")));

    assertThat(event.key()).isEqualTo("shop");
    assertThat(event.subject()).isEqualTo("changeset/shop/" + event.id());
    assertThat(event.valueText())
        .startsWith("{\"resources\":[{\"apiVersion\"")
        .contains("\"deletes\":[{\"kind\":\"Backend\"");
  }

  @Test
  void aChangesetOverTheLimitsIsRefusedWithReasons() {
    List<Resource> many = new ArrayList<>();
    for (int i = 0; i < 41; i++) {
      many.add(backend("shop", "b" + i));
    }
    many.add(backend("other", "x"));

    assertThat(Changesets.problems("shop", many, List.of()))
        .containsExactly(
            "a changeset holds at most 40 resources and deletes (this one: 42)",
            "a changeset stays in one namespace (shop); also found: other");
    assertThatThrownBy(() -> encoder.changeset("shop", many, List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("changeset: a changeset holds at most 40");
  }

  @Test
  void thePrintedYamlReadsBackAsTheSameHeadersAndValue() {
    ConfigEvent event = encoder.applied(backend("shop", "it's"), OptionalLong.of(7));

    var tree =
        io.meshgate.config.codec.YamlDocuments.read("-", EventPrinter.yaml(List.of(event)))
            .get(0)
            .tree();

    assertThat(tree.path("key").asText()).isEqualTo("shop");
    event
        .headers()
        .forEach(
            (name, value) -> assertThat(tree.path("headers").path(name).asText()).isEqualTo(value));
    assertThat(tree.path("value").asText()).isEqualTo(event.valueText());
  }
}
