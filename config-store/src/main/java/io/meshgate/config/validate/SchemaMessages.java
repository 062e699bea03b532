package io.meshgate.config.validate;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.path.NodePath;
import io.meshgate.config.model.Patterns;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Turns the schema library's errors into violations a user can act on. */
final class SchemaMessages {
  /** What each shared pattern means, in words. */
  private static final Map<String, String> PATTERNS =
      Map.ofEntries(
          Map.entry(
              Patterns.NAME,
              "must be a lowercase RFC 1123 name (DNS subdomain): a-z, 0-9, '-' and '.', starting and"
                  + " ending with a letter or digit"),
          Map.entry(
              Patterns.LABEL,
              "must be a lowercase RFC 1123 label: a-z, 0-9 and '-', starting and ending with a"
                  + " letter or digit"),
          Map.entry(
              Patterns.HOSTNAME,
              "must be a lowercase DNS name, optionally starting with '*.' (e.g. api.example.com,"
                  + " *.example.com)"),
          Map.entry(
              Patterns.DURATION,
              "must be a duration: up to four number-unit pairs with units h, m, s, ms (e.g. 10s,"
                  + " 500ms, 1m30s)"),
          Map.entry(Patterns.HEADER_NAME, "must be an HTTP header name (RFC 7230 token)"),
          Map.entry(Patterns.GROUP, "must be empty or a lowercase DNS name"),
          Map.entry(Patterns.KIND, "must be a kind name (letters, digits and '-')"),
          Map.entry(Patterns.PATH, "must be an absolute path starting with '/'"),
          Map.entry(Patterns.SCHEME, "must be http or https"),
          Map.entry(Patterns.HTTPS_URL, "must be an https:// URL"),
          Map.entry(Patterns.HTTP_URL, "must be an http:// or https:// URL"),
          Map.entry(
              Patterns.TRUST_DOMAIN, "must be a SPIFFE trust domain (a-z, 0-9, '.', '_', '-')"),
          Map.entry(Patterns.LABEL_KEY, "must be a label key ([prefix/]name)"),
          Map.entry(Patterns.LABEL_VALUE, "must be a label value (a-z, A-Z, 0-9, '-', '_', '.')"),
          Map.entry(Patterns.SECRET_KEY, "must be a Secret key (a-z, A-Z, 0-9, '-', '_', '.')"),
          Map.entry(Patterns.CIDR, "must be a CIDR block such as 10.0.0.0/8 or 2001:db8::/32"));

  private SchemaMessages() {}

  static List<Violation> describe(List<Error> errors, JsonNode schemaRoot) {
    List<Violation> violations = new ArrayList<>();
    for (Error error : errors) {
      violations.add(describe(error, schemaRoot));
    }
    return violations;
  }

  private static Violation describe(Error error, JsonNode schemaRoot) {
    String path = pointer(error.getInstanceLocation());
    String value = Problems.json(error.getInstanceNode());
    String keyword = error.getKeyword() == null ? "" : error.getKeyword();
    JsonNode rule = error.getSchemaNode();
    String message;
    switch (keyword) {
      case "required" -> {
        path = path + "/" + error.getProperty();
        message = "is required";
        value = null;
      }
      case "additionalProperties" -> {
        path = path + "/" + error.getProperty();
        message = "unknown field '" + error.getProperty() + "'" + knownFields(error, schemaRoot);
        value = null;
      }
      case "propertyNames" -> {
        path = path + "/" + escape(error.getProperty());
        String pattern = rule == null ? "" : rule.path("pattern").asText();
        message = "not a valid key: " + PATTERNS.getOrDefault(pattern, "must match " + pattern);
        value = null;
      }
      case "pattern" -> {
        String pattern = rule == null ? "" : rule.asText();
        message = PATTERNS.getOrDefault(pattern, "must match " + pattern);
      }
      case "enum" -> message = "must be one of: " + join(rule);
      case "const" -> message = "must be " + (rule == null ? "" : rule.toString());
      case "minimum" -> message = "must be at least " + text(rule);
      case "maximum" -> message = "must be at most " + text(rule);
      case "minLength" -> message = "must be at least " + text(rule) + " characters long";
      case "maxLength" -> message = "must be at most " + text(rule) + " characters long";
      case "minItems" -> message = "must have at least " + text(rule) + " items";
      case "maxItems" -> message = "must have at most " + text(rule) + " items";
      case "type" ->
          message = "must be " + article(rule) + " (got " + kindOf(error.getInstanceNode()) + ")";
      default -> message = error.getMessage();
    }
    return new Violation(path, message, value, Violation.Check.SCHEMA);
  }

  /** "(expected one of: a, b, c)", read from the schema object that forbids the field. */
  private static String knownFields(Error error, JsonNode schemaRoot) {
    NodePath fragment = error.getSchemaLocation().getFragment();
    if (fragment == null || fragment.getParent() == null) {
      return "";
    }
    JsonNode owner = schemaRoot.at(pointer(fragment.getParent()));
    JsonNode properties = owner.path("properties");
    if (!properties.isObject() || properties.isEmpty()) {
      return "";
    }
    List<String> names = new ArrayList<>();
    properties.fieldNames().forEachRemaining(names::add);
    return " (expected one of: " + String.join(", ", names) + ")";
  }

  /** The path as a JSON pointer: "" for the root, else "/a/0/b". */
  static String pointer(NodePath path) {
    if (path == null) {
      return "";
    }
    StringBuilder pointer = new StringBuilder();
    for (int i = 0; i < path.getNameCount(); i++) {
      String name = path.getName(i);
      if (i == 0 && (name.equals("$") || name.equals("#") || name.isEmpty())) {
        continue;
      }
      pointer.append('/').append(name.replace("~", "~0").replace("/", "~1"));
    }
    return pointer.toString();
  }

  private static String escape(String name) {
    return name == null ? "" : name.replace("~", "~0").replace("/", "~1");
  }

  private static String join(JsonNode values) {
    if (values == null || !values.isArray()) {
      return String.valueOf(values);
    }
    List<String> texts = new ArrayList<>();
    values.forEach(v -> texts.add(v.asText()));
    return String.join(", ", texts);
  }

  private static String text(JsonNode node) {
    return node == null ? "?" : node.asText();
  }

  private static String article(JsonNode type) {
    String name =
        type == null ? "?" : type.isArray() ? join(type).replace(", ", " or ") : type.asText();
    return switch (name) {
      case "object", "array", "integer" -> "an " + name;
      default -> "a " + name;
    };
  }

  private static String kindOf(JsonNode node) {
    if (node == null || node.isNull()) {
      return "null";
    }
    if (node.isObject()) {
      return "an object";
    }
    if (node.isArray()) {
      return "an array";
    }
    if (node.isTextual()) {
      return "a string";
    }
    if (node.isIntegralNumber()) {
      return "an integer";
    }
    if (node.isNumber()) {
      return "a number";
    }
    if (node.isBoolean()) {
      return "a boolean";
    }
    return node.getNodeType().toString().toLowerCase(Locale.ROOT);
  }
}
