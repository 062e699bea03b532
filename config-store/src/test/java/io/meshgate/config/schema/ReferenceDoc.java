package io.meshgate.config.schema;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import io.meshgate.config.model.Constraint.Values;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Patterns;
import io.meshgate.config.model.SecretSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.stream.Collectors;

/**
 * Renders docs/config-reference.md from the model, as {@link SchemaGenerator} renders the schemas:
 * every kind, every record it uses and every constraint marker, by reflection, so the reference
 * cannot drift from what the validator enforces. Hand-written prose comes from two templates beside
 * this class: reference-intro.md (what a resource is) and reference-rules.md (the Java-only rules).
 * ReferenceDocTest keeps the file in docs/ equal to this output. Test code: it renders a document,
 * not a runtime artefact, so it and its templates stay out of the shipped jar.
 */
public final class ReferenceDoc {
  static final String INTRO_TEMPLATE = "reference-intro.md";
  static final String RULES_TEMPLATE = "reference-rules.md";
  static final String PATTERNS_HEADING = "Appendix: patterns";
  static final String SHARED_HEADING = "Shared types";
  static final String KINDS_HEADING = "Kinds";

  private static final String METADATA_PLACEHOLDER = "{{metadata}}";
  private static final String TABLE_HEADER =
      "| field | type | required | constraints | default | description |\n"
          + "|---|---|---|---|---|---|\n";
  private static final java.util.regex.Pattern CODE_TAG =
      java.util.regex.Pattern.compile("\\{@code ([^}]*)}");
  private static final java.util.regex.Pattern LITERALS =
      java.util.regex.Pattern.compile(
          "^\\^\\(?((?:[A-Za-z0-9_\\-]|\\\\.)+(?:\\|(?:[A-Za-z0-9_\\-]|\\\\.)+)*)\\)?\\$$");

  /** What each metadata field means; the schema gives the types and constraints. */
  private static final Map<String, String> METADATA_FIELDS =
      Map.of(
          "name",
          "Unique among the resources of one kind in one namespace.",
          "namespace",
          "Groups resources; references without a namespace stay inside it.",
          "labels",
          "Matched by label selectors, e.g. a Backend's workloads.selector.",
          "annotations",
          "Free-form notes for people and tools.",
          "uid",
          "Written by meshgate when the resource is created; a deleted and re-created resource"
              + " gets a new one. A value sent is replaced.",
          "generation",
          "Written by meshgate: 1 on creation, and grows only when the spec changes; restarts at"
              + " 1 when the resource is re-created. A value sent is replaced.",
          "creationTimestamp",
          "Written by meshgate when the resource is created (RFC 3339, UTC) and kept on"
              + " updates; where two resources claim the same thing, the older one wins. A"
              + " value sent is replaced.",
          "resourceVersion",
          "Written by meshgate: the etcd mod revision of the resource's last write. A number, or"
              + " a string of digits as Kubernetes writes it. A value sent is replaced.");

  /** What each of {@link Patterns}' expressions accepts, in words. */
  private static final Map<String, String> PATTERN_MEANINGS =
      Map.ofEntries(
          Map.entry(
              "CONSUL_NAME",
              "A name Consul's SPIFFE IDs carry: lowercase letters, digits, `.`, `_` and `-`,"
                  + " starting and ending with a letter or digit: `dc1`, `default`."),
          Map.entry(
              "WAF_TAG",
              "A WAF rule tag as the Core Rule Set writes them: letters, digits, `_`, `.`, `/`, `:`"
                  + " and `-`, starting with a letter or digit: `attack-sqli`, `paranoia-level/2`."),
          Map.entry(
              "JSON_POINTER",
              "A JSON Pointer (RFC 6901) below the root: `/user/name`, `/items/0`; `~1` is `/` and"
                  + " `~0` is `~` inside a name."),
          Map.entry(
              "SCOPE",
              "An OAuth scope (RFC 6749 section 3.3): printable ASCII without spaces, `\"` or `\\`:"
                  + " `orders:write`."),
          Map.entry(
              "NAME",
              "RFC 1123 subdomain: lowercase letters, digits, `-` and `.`, starting and ending with a"
                  + " letter or digit. Resource names, listener and rule names."),
          Map.entry(
              "LABEL",
              "RFC 1123 label: lowercase letters, digits and `-`, starting and ending with a letter"
                  + " or digit; no dots. Namespaces and port names."),
          Map.entry(
              "HOSTNAME",
              "A lowercase DNS name, optionally with one leading wildcard label: `api.example.com`,"
                  + " `*.example.com`. Not an IP address (a Java rule checks that)."),
          Map.entry(
              "PRECISE_HOSTNAME",
              "A lowercase DNS name without a wildcard. The same expression as NAME."),
          Map.entry(
              "DURATION",
              "Gateway API duration: one to four pairs of a number (up to 5 digits) and a unit `h`,"
                  + " `m`, `s` or `ms`, without spaces: `10s`, `500ms`, `1m30s`. No fractions."),
          Map.entry(
              "HEADER_NAME",
              "An HTTP header name (RFC 7230 token): letters, digits and ``!#$%&'*+-.^_`|~``."),
          Map.entry(
              "SIGNATURE_COMPONENT",
              "A component an HTTP message signature covers: `@method`, `@target-uri`, `@authority`,"
                  + " `@scheme`, `@path`, `@query`, `@request-target`, or a header name in lower"
                  + " case."),
          Map.entry(
              "GROUP",
              "An API group: empty for Kubernetes' core group, else a lowercase DNS name such as"
                  + " `gateway.networking.k8s.io` or `meshgate.io`."),
          Map.entry(
              "KIND",
              "A kind name: a letter, then letters, digits and `-` (`HTTPRoute`, `Backend`)."),
          Map.entry("PATH", "An absolute path: starts with `/`."),
          Map.entry("SCHEME", "`http` or `https`."),
          Map.entry("HTTPS_URL", "An `https://` URL without whitespace."),
          Map.entry("HTTP_URL", "An `http://` or `https://` URL without whitespace."),
          Map.entry(
              "TRUST_DOMAIN",
              "A SPIFFE trust domain: lowercase letters, digits, `.`, `_` and `-`."),
          Map.entry(
              "SPIFFE_ID",
              "A workload's SPIFFE ID as meshgate issues it:"
                  + " `spiffe://DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT`."),
          Map.entry(
              "LABEL_KEY",
              "A label or annotation key: an optional DNS-name prefix and `/`, then letters,"
                  + " digits, `-`, `_` and `.`, starting and ending with a letter or digit"
                  + " (`app.kubernetes.io/name`)."),
          Map.entry(
              "LABEL_VALUE",
              "A label value: empty, or letters, digits, `-`, `_` and `.`, starting and ending with"
                  + " a letter or digit."),
          Map.entry(
              "SECRET_KEY",
              "A Secret key: letters, digits, `-`, `_` and `.` (`tls.crt`, `token`)."),
          Map.entry(
              "CIDR",
              "A CIDR block, IPv4 or IPv6 (`10.0.0.0/8`, `2001:db8::/32`). The expression checks"
                  + " the characters only; a Java rule checks the address and the prefix length."));

  private ReferenceDoc() {}

  /** The complete reference, as docs/config-reference.md holds it. */
  public static String markdown() {
    RecordGraph graph = RecordGraph.of(Kind.values());
    StringBuilder out = new StringBuilder();
    out.append(
        "<!-- Generated by io.meshgate.config.schema.ReferenceDoc from the resource model and the"
            + " templates in config-store/src/test/resources/io/meshgate/config/schema/. Do not"
            + " edit; regenerate with: mvn -pl config-store test -Dgolden.update=true -->\n\n");
    out.append(template(INTRO_TEMPLATE).replace(METADATA_PLACEHOLDER, metadataTable()).strip())
        .append("\n\n");
    String rules = template(RULES_TEMPLATE).strip();
    kindsTable(out);
    for (Kind kind : Kind.values()) {
      kindSection(kind, graph, rules, out);
    }
    out.append("## ").append(SHARED_HEADING).append("\n\n");
    out.append("Types used by more than one kind, in alphabetical order.\n\n");
    for (Class<?> record : graph.shared()) {
      recordSection(record, graph, out);
    }
    out.append(rules).append("\n\n");
    patternsAppendix(out);
    String markdown = out.toString().strip() + "\n";
    Markdown.checkLinks(markdown);
    return markdown;
  }

  private static void kindsTable(StringBuilder out) {
    out.append("## ").append(KINDS_HEADING).append("\n\n");
    out.append(
        "Every kind meshgate accepts. `apiVersion` is the group and one of the versions, e.g."
            + " `gateway.networking.k8s.io/v1`; Secrets, in Kubernetes' core group, use `v1`"
            + " alone.\n\n");
    out.append("| kind | group | versions | what it is |\n|---|---|---|---|\n");
    for (Kind kind : Kind.values()) {
      out.append(
              Markdown.row(
                  Markdown.link(kind.wireName(), kind.wireName()),
                  kind.group().isEmpty() ? "(core)" : Markdown.code(kind.group()),
                  kind.versions().stream().map(Markdown::code).collect(Collectors.joining(", ")),
                  plain(doc(kind.specType()))))
          .append('\n');
    }
    out.append('\n');
  }

  private static void kindSection(Kind kind, RecordGraph graph, String rules, StringBuilder out) {
    out.append("## ").append(kind.wireName()).append("\n\n");
    out.append(plain(doc(kind.specType()))).append("\n\n");
    out.append("- apiVersion: ")
        .append(kind.apiVersions().stream().map(Markdown::code).collect(Collectors.joining(", ")))
        .append('\n');
    if (kind == Kind.SECRET) {
      out.append("- fields: `type`, `data` and `sealed` stand beside `metadata`, not under `spec`")
          .append(" (as in Kubernetes): ")
          .append(Markdown.link("Secret fields", "Secret fields"))
          .append('\n');
    } else {
      Class<?> spec = kind.specType();
      out.append("- spec: ")
          .append(Markdown.link(spec.getSimpleName(), spec.getSimpleName()))
          .append('\n');
    }
    String file = SchemaFiles.DIRECTORY + "/" + SchemaFiles.fileName(kind);
    out.append("- JSON Schema: [")
        .append(Markdown.code("config-store/" + file))
        .append("](../config-store/")
        .append(file)
        .append(")\n");
    String rulesHeading = kind.wireName() + " rules";
    if (!Markdown.headings(rules).contains(rulesHeading)) {
      throw new IllegalStateException(
          RULES_TEMPLATE + ": no heading '" + rulesHeading + "' (expected one per kind)");
    }
    out.append("- rules beyond the schema: ")
        .append(Markdown.link(rulesHeading, rulesHeading))
        .append("\n\n");
    for (Class<?> record : graph.ownedBy(kind)) {
      recordSection(record, graph, out);
    }
  }

  private static void recordSection(Class<?> record, RecordGraph graph, StringBuilder out) {
    boolean secretFields = record == SecretSpec.class;
    String title = secretFields ? "Secret fields" : record.getSimpleName();
    out.append("### ").append(title).append("\n\n");
    Kind specOf =
        Arrays.stream(Kind.values()).filter(k -> k.specType() == record).findFirst().orElse(null);
    if (secretFields) {
      out.append(
          "The fields of a Secret, at the top level of the document beside `apiVersion`, `kind`"
              + " and `metadata`.\n\n");
    } else if (specOf != null) {
      // The kind's section just said what the spec is.
      out.append("The fields under `spec` of kind ").append(specOf.wireName()).append(".\n\n");
    } else {
      out.append(plain(doc(record))).append("\n\n");
    }
    List<String> users = graph.usedIn(record);
    if (!users.isEmpty()) {
      out.append("Used in: ").append(String.join(", ", users)).append(".\n\n");
    }
    out.append(TABLE_HEADER);
    for (RecordComponent component : record.getRecordComponents()) {
      out.append(row(component, graph)).append('\n');
    }
    out.append('\n');
  }

  private static String row(RecordComponent component, RecordGraph graph) {
    Class<?> element = ModelReflection.elementType(component);
    // A field without @Doc borrows its record's, but only from a record used nowhere else: a
    // shared record's text speaks of its other uses (BackendRef: "where a route rule sends").
    boolean borrow = element.isRecord() && graph.usedIn(element).size() == 1;
    String description =
        ModelReflection.doc(component)
            .or(() -> borrow ? ModelReflection.doc(element) : Optional.empty())
            .map(ReferenceDoc::plain)
            .orElse("");
    Default defaultValue = component.getAnnotation(Default.class);
    return Markdown.row(
        Markdown.code(ModelReflection.jsonName(component)),
        type(component),
        component.isAnnotationPresent(Required.class) ? "yes" : "",
        constraints(component),
        defaultValue == null ? "" : Markdown.code(defaultValue.value()),
        description);
  }

  private static String type(RecordComponent component) {
    Class<?> raw = component.getType();
    if (raw == List.class) {
      Class<?> item = ModelReflection.elementType(component);
      return "list of " + (item.isEnum() ? "(" + typeName(item) + ")" : typeName(item));
    }
    if (raw == Map.class) {
      return "map of string to " + typeName(ModelReflection.elementType(component));
    }
    return typeName(raw);
  }

  private static String typeName(Class<?> type) {
    if (type == String.class) {
      return "string";
    } else if (type == Integer.class || type == int.class || type == Long.class) {
      return "integer";
    } else if (type == Double.class) {
      return "number";
    } else if (type == Boolean.class) {
      return "boolean";
    } else if (type.isEnum()) {
      return ModelReflection.wireNames(type).stream()
          .map(Markdown::code)
          .collect(Collectors.joining(" | "));
    } else if (type.isRecord()) {
      return Markdown.link(type.getSimpleName(), type.getSimpleName());
    }
    throw new IllegalStateException("no reference type for " + type.getName());
  }

  /** The constraints the schema enforces, in the generator's terms (see SchemaGenerator). */
  private static String constraints(RecordComponent component) {
    Class<?> raw = component.getType();
    Size size = component.getAnnotation(Size.class);
    Pattern pattern = component.getAnnotation(Pattern.class);
    List<String> parts = new ArrayList<>();
    if (raw == List.class) {
      if (size != null) {
        parts.add(
            bounds(size.min(), size.min() > 0, size.max(), size.max() != Integer.MAX_VALUE)
                + " items");
      }
      List<String> each = scalarConstraints(component, ModelReflection.elementType(component));
      if (pattern != null && pattern.maxLength() != Integer.MAX_VALUE) {
        each.add("length at most " + pattern.maxLength());
      }
      if (!each.isEmpty()) {
        parts.add("each: " + String.join(", ", each));
      }
    } else if (raw == Map.class) {
      // The schema constrains neither the keys nor the values of maps; rules may.
    } else {
      parts.addAll(scalarConstraints(component, raw));
      if (raw == String.class) {
        // As the generator does: @Size wins over the pattern's length, and required means
        // non-empty.
        int min = size == null ? 0 : size.min();
        if (component.isAnnotationPresent(Required.class)) {
          min = Math.max(min, 1);
        }
        int max = Integer.MAX_VALUE;
        if (pattern != null) {
          max = pattern.maxLength();
        }
        if (size != null && size.max() != Integer.MAX_VALUE) {
          max = size.max();
        }
        if (min == 1 && pattern != null && !matchesEmpty(pattern.value())) {
          min = 0;
        }
        String length = length(min, max);
        if (!length.isEmpty()) {
          parts.add(length);
        }
      }
    }
    return String.join("; ", parts);
  }

  private static List<String> scalarConstraints(RecordComponent component, Class<?> type) {
    List<String> parts = new ArrayList<>();
    Range range = component.getAnnotation(Range.class);
    if (range != null) {
      parts.add(
          bounds(
              range.min(),
              range.min() != Long.MIN_VALUE,
              range.max(),
              range.max() != Long.MAX_VALUE));
    }
    Values values = component.getAnnotation(Values.class);
    if (values != null) {
      parts.add(
          "one of "
              + Arrays.stream(values.value())
                  .mapToObj(Long::toString)
                  .collect(Collectors.joining(", ")));
    }
    Pattern pattern = component.getAnnotation(Pattern.class);
    if (pattern != null && type == String.class) {
      parts.add(pattern(pattern.value(), ModelReflection.jsonName(component)));
    }
    return parts;
  }

  /**
   * Whether a pattern accepts the empty string. When it does not, non-empty is implied, and "length
   * at least 1" beside it would be noise.
   */
  private static boolean matchesEmpty(String regex) {
    // find(), not matches(): JSON Schema's pattern is found anywhere in the string.
    return java.util.regex.Pattern.compile(regex).matcher("").find();
  }

  /** Inclusive bounds: "1..16", "at least 1", "at most 16"; empty when neither is set. */
  private static String bounds(long min, boolean hasMin, long max, boolean hasMax) {
    if (hasMin && hasMax) {
      return min + ".." + max;
    }
    if (hasMin) {
      return "at least " + min;
    }
    return hasMax ? "at most " + max : "";
  }

  private static String length(long min, long max) {
    String bounds = bounds(min, min > 0, max, max != Integer.MAX_VALUE && max != Long.MAX_VALUE);
    return bounds.isEmpty() ? "" : "length " + bounds;
  }

  /** A pattern by its {@link Patterns} name, as allowed values, or else as the expression. */
  private static String pattern(String regex, String field) {
    List<String> names = PatternNames.namesOf(regex);
    if (!names.isEmpty()) {
      String name = names.get(0);
      if (names.contains("PRECISE_HOSTNAME") && field.toLowerCase(Locale.ROOT).contains("host")) {
        // PRECISE_HOSTNAME is NAME's expression, and an annotation keeps only the expression: a
        // field about a host is the one that said PRECISE_HOSTNAME.
        name = "PRECISE_HOSTNAME";
      }
      return Markdown.link(name, PATTERNS_HEADING);
    }
    Matcher literals = LITERALS.matcher(regex);
    if (literals.matches()) {
      List<String> values =
          Arrays.stream(literals.group(1).split("\\|"))
              .map(v -> v.replaceAll("\\\\(.)", "$1"))
              .map(Markdown::code)
              .toList();
      return values.size() == 1 ? "always " + values.get(0) : "one of " + String.join(", ", values);
    }
    return "matches " + Markdown.code(regex);
  }

  /**
   * name, namespace, labels, ...: read from the generated schema, the one place they are defined.
   */
  private static String metadataTable() {
    JsonNode metadata = SchemaGenerator.generate(Kind.GATEWAY).path("properties").path("metadata");
    Set<String> required = new HashSet<>();
    metadata.path("required").forEach(n -> required.add(n.asText()));
    StringBuilder out = new StringBuilder(TABLE_HEADER);
    metadata
        .path("properties")
        .fields()
        .forEachRemaining(
            entry -> {
              String name = entry.getKey();
              JsonNode field = entry.getValue();
              String meaning = METADATA_FIELDS.get(name);
              if (meaning == null) {
                throw new IllegalStateException(
                    "metadata." + name + " has no description in ReferenceDoc.METADATA_FIELDS");
              }
              out.append(
                      Markdown.row(
                          Markdown.code(name),
                          schemaType(field),
                          required.contains(name) ? "yes" : "",
                          schemaConstraints(field),
                          field.has("default") ? Markdown.code(field.get("default").asText()) : "",
                          meaning))
                  .append('\n');
            });
    return out.toString().strip();
  }

  private static String schemaType(JsonNode field) {
    JsonNode type = field.path("type");
    if (type.isArray()) {
      List<String> types = new ArrayList<>();
      type.forEach(t -> types.add(t.asText()));
      return String.join(" or ", types);
    }
    if (type.asText().equals("object") && field.has("additionalProperties")) {
      return "map of string to " + field.path("additionalProperties").path("type").asText();
    }
    return type.asText();
  }

  private static String schemaConstraints(JsonNode field) {
    List<String> parts = new ArrayList<>();
    if (field.has("propertyNames")) {
      parts.add("keys: " + String.join(", ", stringConstraints(field.get("propertyNames"))));
    }
    JsonNode values = field.path("additionalProperties");
    if (values.isObject() && !stringConstraints(values).isEmpty()) {
      parts.add("values: " + String.join(", ", stringConstraints(values)));
    }
    parts.addAll(stringConstraints(field));
    if (field.has("minimum")) {
      parts.add(bounds(field.get("minimum").asLong(), true, 0, false));
    }
    return String.join("; ", parts);
  }

  private static List<String> stringConstraints(JsonNode node) {
    List<String> parts = new ArrayList<>();
    if (node.has("pattern")) {
      parts.add(pattern(node.get("pattern").asText(), ""));
    }
    long min = node.path("minLength").asLong(0);
    if (min == 1 && node.has("pattern") && !matchesEmpty(node.get("pattern").asText())) {
      min = 0;
    }
    String length =
        length(min, node.has("maxLength") ? node.get("maxLength").asLong() : Long.MAX_VALUE);
    if (!length.isEmpty()) {
      parts.add(length);
    }
    return parts;
  }

  private static void patternsAppendix(StringBuilder out) {
    out.append("## ").append(PATTERNS_HEADING).append("\n\n");
    out.append(
        "The named patterns of the tables above, from `io.meshgate.config.model.Patterns`. They"
            + " are regular expressions as JSON Schema reads them (ECMA-262). JSON Schema finds a"
            + " pattern anywhere in a string, so each anchors itself with `^` and, where the whole"
            + " string must match, `$`.\n\n");
    out.append("| name | expression | meaning |\n|---|---|---|\n");
    for (Map.Entry<String, String> pattern : PatternNames.all().entrySet()) {
      String meaning = PATTERN_MEANINGS.get(pattern.getKey());
      if (meaning == null) {
        throw new IllegalStateException(
            "Patterns." + pattern.getKey() + " has no meaning in ReferenceDoc.PATTERN_MEANINGS");
      }
      out.append(
              Markdown.row(
                  Markdown.code(pattern.getKey()), Markdown.code(pattern.getValue()), meaning))
          .append('\n');
    }
    out.append('\n');
  }

  private static String doc(Class<?> type) {
    return ModelReflection.doc(type)
        .orElseThrow(() -> new IllegalStateException(type.getName() + " has no @Doc"));
  }

  /**
   * @Doc text is plain, but some carries Javadoc's {@code ...}: show it as code.
   */
  private static String plain(String doc) {
    return CODE_TAG.matcher(doc).replaceAll(m -> Matcher.quoteReplacement("`" + m.group(1) + "`"));
  }

  /** A template beside this class, e.g. {@link #RULES_TEMPLATE}. */
  static String template(String name) {
    try (InputStream in = ReferenceDoc.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name + " beside ReferenceDoc");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + name, e);
    }
  }

  /** The records each kind uses, which kind owns each, and where each is used. */
  private record RecordGraph(
      Map<Kind, Set<Class<?>>> reachable, Map<Class<?>, List<String>> usedIn) {

    static RecordGraph of(Kind... kinds) {
      Map<Kind, Set<Class<?>>> reachable = new LinkedHashMap<>();
      Map<Class<?>, List<String>> usedIn = new LinkedHashMap<>();
      Set<Class<?>> visitedForUse = new HashSet<>();
      for (Kind kind : kinds) {
        Set<Class<?>> records = new LinkedHashSet<>();
        walk(kind.specType(), records);
        reachable.put(kind, records);
        for (Class<?> record : records) {
          if (!visitedForUse.add(record)) {
            continue;
          }
          for (RecordComponent component : record.getRecordComponents()) {
            Class<?> element = ModelReflection.elementType(component);
            if (element.isRecord()) {
              String user =
                  (record == SecretSpec.class
                          ? Markdown.link("Secret", "Secret fields")
                          : Markdown.link(record.getSimpleName(), record.getSimpleName()))
                      + " "
                      + Markdown.code(ModelReflection.jsonName(component));
              usedIn.computeIfAbsent(element, e -> new ArrayList<>()).add(user);
            }
          }
        }
      }
      return new RecordGraph(reachable, usedIn);
    }

    /** Depth first, in component order: a record's table comes before the tables it links to. */
    private static void walk(Class<?> record, Set<Class<?>> seen) {
      if (!seen.add(record)) {
        return;
      }
      for (RecordComponent component : record.getRecordComponents()) {
        Class<?> element = ModelReflection.elementType(component);
        if (element.isRecord()) {
          walk(element, seen);
        }
      }
    }

    /** The records only this kind uses, its spec first. */
    List<Class<?>> ownedBy(Kind kind) {
      return reachable.get(kind).stream().filter(r -> kindsUsing(r).size() == 1).toList();
    }

    /** The records several kinds use, by name. */
    List<Class<?>> shared() {
      return reachable.values().stream()
          .flatMap(Set::stream)
          .distinct()
          .filter(r -> kindsUsing(r).size() > 1)
          .sorted(java.util.Comparator.comparing(Class::getSimpleName))
          .toList();
    }

    List<String> usedIn(Class<?> record) {
      return usedIn.getOrDefault(record, List.of());
    }

    private Set<Kind> kindsUsing(Class<?> record) {
      Set<Kind> kinds = EnumSet.noneOf(Kind.class);
      reachable.forEach(
          (kind, records) -> {
            if (records.contains(record)) {
              kinds.add(kind);
            }
          });
      return kinds;
    }
  }

  /** {@link Patterns}' constants by name, and the names of an expression. */
  private static final class PatternNames {
    private PatternNames() {}

    static Map<String, String> all() {
      Map<String, String> patterns = new TreeMap<>();
      for (Field field : Patterns.class.getFields()) {
        if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
          try {
            patterns.put(field.getName(), (String) field.get(null));
          } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
          }
        }
      }
      return patterns;
    }

    static List<String> namesOf(String regex) {
      return all().entrySet().stream()
          .filter(e -> e.getValue().equals(regex))
          .map(Map.Entry::getKey)
          .toList();
    }
  }
}
