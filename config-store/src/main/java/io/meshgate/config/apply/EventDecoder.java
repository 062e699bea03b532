package io.meshgate.config.apply;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.config.codec.ResourceCodec;
import io.meshgate.config.event.Changesets;
import io.meshgate.config.event.EventType;
import io.meshgate.config.event.Headers;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.config.model.Reason;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import io.meshgate.config.validate.Violation;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Decodes and validates a record per docs/events.md. Pure: every malformed input becomes a {@link
 * DecodedEvent.Rejected} with reasons, never an exception.
 */
public final class EventDecoder {
  private EventDecoder() {}

  public static DecodedEvent decode(IncomingRecord record) {
    List<Reason> reasons = new ArrayList<>();
    String id = header(record, Headers.ID, reasons);
    String source = record.headers().get(Headers.SOURCE);
    DecodedEvent.Meta meta =
        new DecodedEvent.Meta(id == null ? record.position() : id, source, OptionalLong.empty());
    String subject = record.headers().get(Headers.SUBJECT);
    List<ResourceKey> subjects = subjectKey(subject).map(List::of).orElse(List.of());

    String specVersion = header(record, Headers.SPEC_VERSION, reasons);
    if (specVersion != null && !specVersion.equals(Headers.CLOUDEVENTS_VERSION)) {
      reasons.add(header(Headers.SPEC_VERSION, "'" + specVersion + "' (expected: 1.0)"));
    }
    header(record, Headers.SOURCE, reasons);
    header(record, Headers.TIME, reasons);
    header(record, Headers.SUBJECT, reasons);
    String contentType = header(record, Headers.CONTENT_TYPE, reasons);
    if (contentType != null && !contentType.startsWith(Headers.JSON)) {
      reasons.add(
          header(Headers.CONTENT_TYPE, "'" + contentType + "' (expected: application/json)"));
    }
    String typeName = header(record, Headers.TYPE, reasons);
    Optional<EventType> type = typeName == null ? Optional.empty() : EventType.fromCeType(typeName);
    if (typeName != null && type.isEmpty()) {
      reasons.add(
          header(
              Headers.TYPE,
              "'"
                  + typeName
                  + "' (expected: io.meshgate.resource.applied, io.meshgate.resource.deleted or io.meshgate.changeset)"));
    }
    OptionalLong ifRevision = OptionalLong.empty();
    String ifRevisionText = record.headers().get(Headers.IF_REVISION);
    if (ifRevisionText != null) {
      try {
        long value = Long.parseLong(ifRevisionText.trim());
        if (value < 0) {
          throw new NumberFormatException();
        }
        ifRevision = OptionalLong.of(value);
      } catch (NumberFormatException e) {
        reasons.add(
            header(
                Headers.IF_REVISION, "'" + ifRevisionText + "' (expected: a revision, 0 or more)"));
      }
    }
    meta = new DecodedEvent.Meta(meta.id(), source, ifRevision);
    if (!reasons.isEmpty() || type.isEmpty()) {
      return new DecodedEvent.Rejected(meta, subjects, reasons);
    }
    if (record.value() == null) {
      return new DecodedEvent.Rejected(
          meta,
          subjects,
          List.of(
              new Reason(
                  "",
                  "the record has no value (tombstones are not events; delete with io.meshgate.resource.deleted)")));
    }
    return switch (type.get()) {
      case APPLIED -> applied(record, meta, subject, subjects);
      case DELETED -> deleted(record, meta, subject, subjects);
      case CHANGESET -> changeset(record, meta, subjects);
    };
  }

  private static DecodedEvent applied(
      IncomingRecord record, DecodedEvent.Meta meta, String subject, List<ResourceKey> subjects) {
    Validation validation = ResourceValidator.get().validate(record.value());
    if (validation instanceof Validation.Invalid invalid) {
      List<ResourceKey> named = subjects;
      if (named.isEmpty() && invalid.subject() != null) {
        named = subjectKey(invalid.subject()).map(List::of).orElse(List.of());
      }
      return new DecodedEvent.Rejected(meta, named, reasons(invalid.violations()));
    }
    Resource resource = ((Validation.Valid) validation).resource();
    List<Reason> mismatches = identity(record, subject, resource.key());
    if (!mismatches.isEmpty()) {
      return new DecodedEvent.Rejected(meta, subjects, mismatches);
    }
    return new DecodedEvent.Applied(meta, resource);
  }

  private static DecodedEvent deleted(
      IncomingRecord record, DecodedEvent.Meta meta, String subject, List<ResourceKey> subjects) {
    JsonNode value;
    try {
      value = ResourceCodec.parseJson(record.value());
    } catch (IOException e) {
      return new DecodedEvent.Rejected(
          meta, subjects, List.of(new Reason("", "not valid JSON: " + firstLine(e.getMessage()))));
    }
    Optional<ResourceKey> key = keyOf(value);
    if (key.isEmpty()) {
      return new DecodedEvent.Rejected(
          meta,
          subjects,
          List.of(
              new Reason(
                  "",
                  "a delete names a resource: {\"kind\", \"metadata\": {\"name\", \"namespace\"}} with a known kind")));
    }
    List<Reason> mismatches = identity(record, subject, key.get());
    if (!mismatches.isEmpty()) {
      return new DecodedEvent.Rejected(meta, subjects, mismatches);
    }
    return new DecodedEvent.Deleted(meta, key.get());
  }

  private static DecodedEvent changeset(
      IncomingRecord record, DecodedEvent.Meta meta, List<ResourceKey> subjectKeys) {
    JsonNode value;
    try {
      value = ResourceCodec.parseJson(record.value());
    } catch (IOException e) {
      return new DecodedEvent.Rejected(
          meta, List.of(), List.of(new Reason("", "not valid JSON: " + firstLine(e.getMessage()))));
    }
    String namespace = record.key() == null ? "" : record.key();
    List<Resource> resources = new ArrayList<>();
    List<ResourceKey> deletes = new ArrayList<>();
    List<ResourceKey> named = new ArrayList<>();
    List<Reason> reasons = new ArrayList<>();
    JsonNode items = value.path("resources");
    for (int i = 0; i < items.size(); i++) {
      Validation validation = ResourceValidator.get().validate(items.get(i));
      if (validation instanceof Validation.Valid valid) {
        resources.add(valid.resource());
        named.add(valid.resource().key());
      } else if (validation instanceof Validation.Invalid invalid) {
        if (invalid.subject() != null) {
          subjectKey(invalid.subject()).ifPresent(named::add);
        }
        for (Violation v : invalid.violations()) {
          reasons.add(new Reason("/resources/" + i + v.path(), message(v)));
        }
      }
    }
    JsonNode deleteItems = value.path("deletes");
    for (int i = 0; i < deleteItems.size(); i++) {
      Optional<ResourceKey> key = keyOf(deleteItems.get(i));
      if (key.isPresent()) {
        deletes.add(key.get());
        named.add(key.get());
      } else {
        reasons.add(
            new Reason(
                "/deletes/" + i,
                "a delete names a resource: {\"kind\", \"metadata\": {\"name\", \"namespace\"}} with a known kind"));
      }
    }
    if (!value.path("resources").isArray() && !value.path("deletes").isArray()) {
      reasons.add(new Reason("", "a changeset is {\"resources\": [...], \"deletes\": [...]}"));
    }
    if (reasons.isEmpty()) {
      Changesets.problems(namespace, resources, deletes)
          .forEach(p -> reasons.add(new Reason("", p)));
    }
    if (meta.ifRevision().isPresent()) {
      reasons.add(new Reason("", "ce_ifrevision applies to one resource, not to a changeset"));
    }
    if (!reasons.isEmpty()) {
      return new DecodedEvent.Rejected(meta, named.stream().distinct().toList(), reasons);
    }
    return new DecodedEvent.Changeset(meta, resources, deletes);
  }

  /**
   * The key must be the namespace (so one namespace's events stay ordered) and the subject must
   * match.
   */
  private static List<Reason> identity(IncomingRecord record, String subject, ResourceKey key) {
    List<Reason> reasons = new ArrayList<>();
    if (!key.namespace().equals(record.key())) {
      reasons.add(
          new Reason(
              "",
              "record key '"
                  + record.key()
                  + "' is not the resource's namespace '"
                  + key.namespace()
                  + "' (events are keyed by namespace)"));
    }
    if (subject != null && !subject.equals(key.toString())) {
      reasons.add(
          header(
              Headers.SUBJECT,
              "'" + subject + "' does not name the resource in the value (" + key + ")"));
    }
    return reasons;
  }

  private static Optional<ResourceKey> keyOf(JsonNode node) {
    Optional<Kind> kind = Kind.find(node.path("kind").asText());
    String name = node.path("metadata").path("name").asText("");
    String namespace = node.path("metadata").path("namespace").asText("");
    if (kind.isEmpty() || name.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new ResourceKey(
            kind.get(), namespace.isEmpty() ? ObjectMeta.DEFAULT_NAMESPACE : namespace, name));
  }

  /** {@code Kind/namespace/name} with a known kind, else empty. */
  static Optional<ResourceKey> subjectKey(String subject) {
    if (subject == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(ResourceKey.parse(subject));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static String header(IncomingRecord record, String name, List<Reason> reasons) {
    String value = record.headers().get(name);
    if (value == null || value.isBlank()) {
      reasons.add(header(name, "is missing (see docs/events.md)"));
      return null;
    }
    return value;
  }

  private static Reason header(String name, String message) {
    return new Reason("header " + name, message);
  }

  private static List<Reason> reasons(List<Violation> violations) {
    return violations.stream().map(v -> new Reason(v.path(), message(v))).toList();
  }

  private static String message(Violation violation) {
    return violation.value() == null
        ? violation.message()
        : violation.message() + " (value: " + violation.value() + ")";
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
