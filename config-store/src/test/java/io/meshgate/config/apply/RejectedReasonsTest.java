package io.meshgate.config.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.event.EventEncoder;
import io.meshgate.config.model.Reason;
import io.meshgate.config.model.Resource;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** A refused event carries every violation of its resource, as meshgate validate prints them. */
class RejectedReasonsTest {
  private static final EventEncoder ENCODER = EventEncoder.forSource("test");

  private static final String ROUTE =
      """
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: web, namespace: shop}
      spec:
        hostnames: [shop.example.com]
        rules:
          - matches: [{path: {type: RegularExpression, value: "/api/.*"}}]
            backendRefs: [{name: a}, {name: b, weight: 10}]
      """;

  private static Resource route() {
    Validation validation =
        ResourceValidator.get().validate(YamlDocuments.read("-", ROUTE).get(0).tree());
    return ((Validation.Valid) validation).resource();
  }

  @Test
  void anAppliedEventWithABadWeightABadRegexAndAnIpHostnameIsRejectedWithAllThree() {
    // given: the route's event, its value broken in three independent places
    ConfigEvent event = ENCODER.applied(route(), OptionalLong.empty());
    String broken =
        event
            .valueText()
            .replace("\"weight\":10", "\"weight\":2000000")
            .replace("/api/.*", "/api/(?!internal).*")
            .replace("shop.example.com", "10.0.0.1");
    IncomingRecord record =
        new IncomingRecord(
            "meshgate.config",
            0,
            7,
            1_700_000_000_000L,
            event.key(),
            event.headers(),
            broken.getBytes(StandardCharsets.UTF_8));

    // when
    DecodedEvent decoded = EventDecoder.decode(record);

    // then
    assertThat(decoded).isInstanceOf(DecodedEvent.Rejected.class);
    DecodedEvent.Rejected rejected = (DecodedEvent.Rejected) decoded;
    assertThat(rejected.subjects()).containsExactly(route().key());
    assertThat(rejected.reasons())
        .extracting(Reason::path)
        .containsExactlyInAnyOrder(
            "/spec/rules/0/backendRefs/1/weight",
            "/spec/rules/0/matches/0/path/value",
            "/spec/hostnames/0");
    assertThat(rejected.reasons())
        .extracting(Reason::message)
        .contains(
            "must be at most 1000000 (value: 2000000)",
            "must be a hostname, not an IP address (value: \"10.0.0.1\")")
        .anyMatch(m -> m.startsWith("not a valid RE2 regular expression"));
  }
}
