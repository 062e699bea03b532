package io.meshgate.config.validate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.codec.ResourceCodec;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.config.model.Resource;
import io.meshgate.config.schema.KindSchemas;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Validates documents: the one code path for {@code meshgate validate}, {@code meshgate apply} and
 * the applier. Order: shape (an object with a known kind), size, the kind's JSON Schema, then Java
 * rules. A document that fails its shape, size or kind is reported with that alone; otherwise every
 * violation is reported in one pass: the Java rules run on what the schema left readable (see
 * {@link PrunedDocument}), so fixing the schema's findings brings no new ones to light.
 * Thread-safe.
 */
public final class ResourceValidator {
  /** Largest resource accepted, as compact JSON: far below etcd's 1.5 MiB request limit. */
  public static final int MAX_RESOURCE_BYTES = 512 * 1024;

  private static final ResourceValidator INSTANCE = new ResourceValidator();

  private ResourceValidator() {}

  public static ResourceValidator get() {
    return INSTANCE;
  }

  /** Validates JSON bytes, e.g. a Kafka record's value. */
  public Validation validate(byte[] json) {
    JsonNode tree;
    try {
      tree = ResourceCodec.parseJson(json);
    } catch (IOException e) {
      return new Validation.Invalid(
          null,
          List.of(
              new Violation(
                  "", "not valid JSON: " + firstLine(e.getMessage()), null, Violation.Check.RULE)));
    }
    if (tree == null || tree.isMissingNode()) {
      return invalid(null, "", "empty document: expected a resource", null);
    }
    return validate(tree);
  }

  /** Validates a parsed document. */
  public Validation validate(JsonNode document) {
    if (!document.isObject()) {
      return invalid(
          null, "", "a resource is an object with apiVersion, kind, metadata and spec", document);
    }
    String subject = subject(document);
    int size = size(document);
    if (size > MAX_RESOURCE_BYTES) {
      return invalid(
          subject,
          "",
          "resource is "
              + size / 1024
              + " KiB as JSON (expected at most "
              + MAX_RESOURCE_BYTES / 1024
              + " KiB)",
          null);
    }
    JsonNode kindNode = document.get("kind");
    if (kindNode == null || !kindNode.isTextual()) {
      return invalid(subject, "/kind", "is required (one of: " + Kind.names() + ")", kindNode);
    }
    Optional<Kind> kind = Kind.find(kindNode.asText());
    if (kind.isEmpty()) {
      String hint =
          Kind.findIgnoringCase(kindNode.asText())
              .map(k -> " — did you mean " + k.wireName() + "?")
              .orElse("");
      return invalid(
          subject,
          "/kind",
          "unknown kind (expected one of: " + Kind.names() + ")" + hint,
          kindNode);
    }
    List<Violation> violations = new ArrayList<>();
    if (kind.get() == Kind.SECRET) {
      // Before the schema: a plaintext private value must be refused with the way to seal it,
      // not reported as an unknown field.
      violations.addAll(SecretRules.checkPlaintext(document));
    }
    KindSchemas schemas = KindSchemas.get();
    Set<String> explained = paths(violations);
    List<Error> schemaErrors = schemas.compiled(kind.get()).validate(document);
    SchemaMessages.describe(schemaErrors, schemas.node(kind.get())).stream()
        // A rule that ran first already explained this path better.
        .filter(v -> !explained.contains(v.path()))
        .forEach(violations::add);
    if (violations.isEmpty()) {
      Resource resource = ResourceCodec.fromTree(document);
      List<Violation> ruleViolations = SpecRules.check(resource.spec(), new Problems());
      return ruleViolations.isEmpty()
          ? new Validation.Valid(resource)
          : new Validation.Invalid(subject, ruleViolations);
    }
    PrunedDocument pruned = PrunedDocument.of(document, schemaErrors, paths(violations));
    pruned
        .spec(kind.get())
        .map(spec -> SpecRules.check(spec, new Problems(pruned::original)))
        .map(pruned::independent)
        .ifPresent(violations::addAll);
    return new Validation.Invalid(subject, violations);
  }

  /** Validates a resource built in code, through its JSON form. */
  public Validation validate(Resource resource) {
    return validate(ResourceCodec.toTree(resource));
  }

  private static Validation invalid(String subject, String path, String message, Object value) {
    return new Validation.Invalid(
        subject, List.of(new Violation(path, message, Problems.json(value), Violation.Check.RULE)));
  }

  /** {@code Kind/namespace/name} when the document names a known kind and a name, else null. */
  static String subject(JsonNode document) {
    Optional<Kind> kind = Kind.find(document.path("kind").asText());
    JsonNode name = document.path("metadata").path("name");
    if (kind.isEmpty() || !name.isTextual() || name.asText().isEmpty()) {
      return null;
    }
    JsonNode namespace = document.path("metadata").path("namespace");
    String ns =
        namespace.isTextual() && !namespace.asText().isEmpty()
            ? namespace.asText()
            : ObjectMeta.DEFAULT_NAMESPACE;
    return kind.get().wireName() + "/" + ns + "/" + name.asText();
  }

  private static Set<String> paths(List<Violation> violations) {
    return violations.stream().map(Violation::path).collect(Collectors.toSet());
  }

  private static int size(JsonNode document) {
    try {
      return Mappers.json().writeValueAsBytes(document).length;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
