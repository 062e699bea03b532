package io.meshgate.config.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.event.EventEncoder;
import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.DnsSource;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.config.model.Reason;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Every malformed input becomes a rejection with reasons, naming the resource when it can. */
class EventDecoderTest {
  private static final EventEncoder ENCODER = EventEncoder.forSource("test");
  private static final Resource BACKEND =
      Resource.of(
          Kind.BACKEND,
          ObjectMeta.of("shop", "api"),
          new BackendSpec(null, null, null, null, new DnsSource("a.example.com", 443), null, null));

  private static IncomingRecord record(ConfigEvent event) {
    return new IncomingRecord(
        "meshgate.config", 0, 7, 1_700_000_000_000L, event.key(), event.headers(), event.value());
  }

  private static IncomingRecord with(ConfigEvent event, String header, String value, byte[] body) {
    Map<String, String> headers = new HashMap<>(event.headers());
    if (value == null) {
      headers.remove(header);
    } else {
      headers.put(header, value);
    }
    return new IncomingRecord(
        "meshgate.config", 0, 7, 1_700_000_000_000L, event.key(), headers, body);
  }

  private static DecodedEvent.Rejected rejected(IncomingRecord record) {
    DecodedEvent decoded = EventDecoder.decode(record);
    assertThat(decoded).isInstanceOf(DecodedEvent.Rejected.class);
    return (DecodedEvent.Rejected) decoded;
  }

  @Test
  void aWellFormedEventDecodes() {
    ConfigEvent event = ENCODER.applied(BACKEND, OptionalLong.of(5));

    DecodedEvent decoded = EventDecoder.decode(record(event));

    assertThat(decoded)
        .isEqualTo(
            new DecodedEvent.Applied(
                new DecodedEvent.Meta(event.id(), "test", OptionalLong.of(5)), BACKEND));
  }

  @Test
  void malformedBytesAreRejectedAgainstTheSubject() {
    ConfigEvent event = ENCODER.applied(BACKEND, OptionalLong.empty());

    DecodedEvent.Rejected rejected =
        rejected(with(event, "x", null, "{not json".getBytes(StandardCharsets.UTF_8)));

    assertThat(rejected.subjects()).containsExactly(BACKEND.key());
    assertThat(rejected.reasons().get(0).message()).startsWith("not valid JSON");
  }

  @Test
  void anUnknownKindIsRejected() {
    ConfigEvent event = ENCODER.applied(BACKEND, OptionalLong.empty());
    byte[] value =
        event
            .valueText()
            .replace("\"Backend\"", "\"Frobnicator\"")
            .getBytes(StandardCharsets.UTF_8);

    assertThat(rejected(with(event, "x", null, value)).reasons().get(0).message())
        .startsWith("unknown kind");
  }

  @Test
  void aMissingNameIsRejected() {
    ConfigEvent event = ENCODER.applied(BACKEND, OptionalLong.empty());
    byte[] value =
        event.valueText().replace("\"name\":\"api\",", "").getBytes(StandardCharsets.UTF_8);

    assertThat(rejected(with(event, "x", null, value)).reasons())
        .contains(new Reason("/metadata/name", "is required"));
  }

  @Test
  void missingHeadersAreEachNamed() {
    ConfigEvent event = ENCODER.applied(BACKEND, OptionalLong.empty());

    DecodedEvent.Rejected rejected = rejected(with(event, "ce_id", null, event.value()));

    assertThat(rejected.meta().id()).isEqualTo("kafka:meshgate.config/0/7");
    assertThat(rejected.reasons())
        .contains(new Reason("header ce_id", "is missing (see docs/events.md)"));
  }

  @Test
  void aKeyOtherThanTheNamespaceIsRejected() {
    ConfigEvent event = ENCODER.applied(BACKEND, OptionalLong.empty());
    IncomingRecord record =
        new IncomingRecord(
            "meshgate.config", 0, 7, 1_700_000_000_000L, "other", event.headers(), event.value());

    assertThat(rejected(record).reasons().get(0).message())
        .startsWith("record key 'other' is not the resource's namespace 'shop'");
  }

  @Test
  void aBadIfRevisionIsRejected() {
    ConfigEvent event = ENCODER.applied(BACKEND, OptionalLong.empty());

    assertThat(rejected(with(event, "ce_ifrevision", "yesterday", event.value())).reasons())
        .contains(
            new Reason("header ce_ifrevision", "'yesterday' (expected: a revision, 0 or more)"));
  }

  @Test
  void aChangesetWithOneInvalidResourceIsRejectedForAllItsResources() {
    Resource other =
        Resource.of(
            Kind.BACKEND,
            ObjectMeta.of("shop", "other"),
            new BackendSpec(
                null, null, null, null, new DnsSource("o.example.com", 80), null, null));
    ConfigEvent event = ENCODER.changeset("shop", List.of(BACKEND, other), List.of());
    byte[] value =
        event.valueText().replace("\"port\":80", "\"port\":70000").getBytes(StandardCharsets.UTF_8);

    DecodedEvent.Rejected rejected = rejected(with(event, "x", null, value));

    assertThat(rejected.subjects())
        .containsExactly(BACKEND.key(), new ResourceKey(Kind.BACKEND, "shop", "other"));
    assertThat(rejected.reasons())
        .containsExactly(
            new Reason("/resources/1/spec/dns/port", "must be at most 65535 (value: 70000)"));
  }
}
