package io.meshgate.config.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.codec.ResourceCodec;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Builds events from resources. Ids and time are injected, so the same inputs give the same bytes;
 * values are canonical JSON without status and without the applier's bookkeeping.
 */
public final class EventEncoder {
  private final Clock clock;
  private final Supplier<String> ids;
  private final String source;

  public EventEncoder(Clock clock, Supplier<String> ids, String source) {
    this.clock = requireNonNull(clock, "clock");
    this.ids = requireNonNull(ids, "ids");
    this.source = requireNonNull(source, "source");
  }

  /** Random UUIDs and the system clock. */
  public static EventEncoder forSource(String source) {
    return new EventEncoder(Clock.systemUTC(), () -> UUID.randomUUID().toString(), source);
  }

  /** An applied event; {@code ifRevision} adds {@code ce_ifrevision}. */
  public ConfigEvent applied(Resource resource, OptionalLong ifRevision) {
    byte[] value = ResourceCodec.toJson(forPublishing(resource));
    ResourceKey key = resource.key();
    return event(EventType.APPLIED, key.namespace(), key.toString(), ifRevision, value);
  }

  /**
   * A delete event: the value names the resource (not a tombstone, so the record keeps its
   * identity).
   */
  public ConfigEvent deleted(String apiVersion, ResourceKey key, OptionalLong ifRevision) {
    ObjectNode value = Mappers.json().createObjectNode();
    value.put("apiVersion", apiVersion);
    value.put("kind", key.kind().wireName());
    value.putObject("metadata").put("name", key.name()).put("namespace", key.namespace());
    return event(EventType.DELETED, key.namespace(), key.toString(), ifRevision, bytes(value));
  }

  /**
   * A changeset of one namespace; check it with {@link Changesets#problems} first.
   *
   * @throws IllegalArgumentException if it breaks a changeset limit
   */
  public ConfigEvent changeset(
      String namespace, List<Resource> resources, List<ResourceKey> deletes) {
    List<String> problems = Changesets.problems(namespace, resources, deletes);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("changeset: " + String.join("; ", problems));
    }
    ObjectNode value = Mappers.json().createObjectNode();
    ArrayNode applied = value.putArray("resources");
    resources.forEach(r -> applied.add(ResourceCodec.toTree(forPublishing(r))));
    ArrayNode deleted = value.putArray("deletes");
    for (ResourceKey key : deletes) {
      ObjectNode node = deleted.addObject();
      node.put("kind", key.kind().wireName());
      node.putObject("metadata").put("name", key.name()).put("namespace", key.namespace());
    }
    String id = ids.get();
    return event(
        EventType.CHANGESET,
        namespace,
        "changeset/" + namespace + "/" + id,
        id,
        OptionalLong.empty(),
        bytes(value));
  }

  private ConfigEvent event(
      EventType type, String namespace, String subject, OptionalLong ifRevision, byte[] value) {
    return event(type, namespace, subject, ids.get(), ifRevision, value);
  }

  private ConfigEvent event(
      EventType type,
      String namespace,
      String subject,
      String id,
      OptionalLong ifRevision,
      byte[] value) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(Headers.SPEC_VERSION, Headers.CLOUDEVENTS_VERSION);
    headers.put(Headers.ID, id);
    headers.put(Headers.SOURCE, source);
    headers.put(Headers.TYPE, type.ceType());
    headers.put(Headers.SUBJECT, subject);
    headers.put(Headers.TIME, Instant.now(clock).truncatedTo(ChronoUnit.MILLIS).toString());
    ifRevision.ifPresent(r -> headers.put(Headers.IF_REVISION, Long.toString(r)));
    headers.put(Headers.CONTENT_TYPE, Headers.JSON);
    return new ConfigEvent(ConfigEvent.TOPIC, namespace, headers, value);
  }

  /** What travels: no status, no uid, generation or resourceVersion — the applier owns those. */
  static Resource forPublishing(Resource resource) {
    return resource.withMetadata(resource.metadata().withoutBookkeeping()).withStatus(null);
  }

  private static byte[] bytes(ObjectNode node) {
    try {
      return Mappers.json().writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
