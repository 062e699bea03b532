package io.meshgate.xds.envoy.validate;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat.TypeRegistry;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.envoyproxy.pgv.validate.Validate.AnyRules;
import io.envoyproxy.pgv.validate.Validate.BytesRules;
import io.envoyproxy.pgv.validate.Validate.DurationRules;
import io.envoyproxy.pgv.validate.Validate.EnumRules;
import io.envoyproxy.pgv.validate.Validate.FieldRules;
import io.envoyproxy.pgv.validate.Validate.KnownRegex;
import io.envoyproxy.pgv.validate.Validate.MapRules;
import io.envoyproxy.pgv.validate.Validate.RepeatedRules;
import io.envoyproxy.pgv.validate.Validate.StringRules;
import io.envoyproxy.pgv.validate.Validate.TimestampRules;
import io.meshgate.xds.envoy.validate.MessagePlan.FieldStep;
import io.meshgate.xds.envoy.validate.MessagePlan.OneofStep;
import io.meshgate.xds.envoy.validate.MessagePlan.Step;
import io.meshgate.xds.envoy.validate.Order.Numbers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * One check's walk over a message tree: collects violations in walk order and the Any types it
 * could not open. Not thread-safe; one per check.
 */
final class Walk {
  /** Deeper nesting is reported, not followed: no Envoy config nests this deep. */
  static final int MAX_DEPTH = 100;

  private static final String ANY = "google.protobuf.Any";
  private static final Set<String> WRAPPERS =
      Set.of(
          "google.protobuf.DoubleValue",
          "google.protobuf.FloatValue",
          "google.protobuf.Int64Value",
          "google.protobuf.UInt64Value",
          "google.protobuf.Int32Value",
          "google.protobuf.UInt32Value",
          "google.protobuf.BoolValue",
          "google.protobuf.StringValue",
          "google.protobuf.BytesValue");

  /** RE2 patterns of string rules, compiled once; there are a handful in all of Envoy's API. */
  private static final ConcurrentHashMap<String, Pattern> PATTERNS = new ConcurrentHashMap<>();

  private final TypeRegistry types;
  private final List<PgvViolation> violations = new ArrayList<>();
  private final TreeSet<String> unchecked = new TreeSet<>();

  Walk(TypeRegistry types) {
    this.types = types;
  }

  PgvReport report() {
    return new PgvReport(violations, new ArrayList<>(unchecked));
  }

  void message(Path path, Message message, int depth, boolean hidden) {
    if (depth > MAX_DEPTH) {
      add(path, "depth", "nested deeper than " + MAX_DEPTH + " messages; not checked further");
      return;
    }
    Descriptor type = message.getDescriptorForType();
    if (type.getFullName().equals(ANY)) {
      anyContent(path, message, depth, hidden);
      return;
    }
    MessagePlan plan = MessagePlan.of(type);
    if (plan.disabled()) {
      return;
    }
    for (Step step : plan.steps()) {
      if (step instanceof OneofStep oneof) {
        requiredOneof(path, message, oneof.oneof());
      } else if (step instanceof FieldStep field) {
        field(path, message, field, depth, hidden || field.sensitive());
      }
    }
  }

  private void requiredOneof(Path path, Message message, OneofDescriptor oneof) {
    if (!message.hasOneof(oneof)) {
      add(
          path.child(oneof.getName()),
          "oneof.required",
          "none set (expected: exactly one of "
              + oneof.getFields().stream()
                  .map(FieldDescriptor::getName)
                  .collect(Collectors.joining(", "))
              + ")");
    }
  }

  private void field(Path path, Message message, FieldStep step, int depth, boolean hidden) {
    FieldDescriptor field = step.field();
    FieldRules rules = step.rules();
    if (field.getRealContainingOneof() != null && !message.hasField(field)) {
      // PGV applies a oneof member's rules only when that member is the one set.
      return;
    }
    Path at = path.child(field.getName());
    if (field.isMapField()) {
      map(at, (List<?>) message.getField(field), field, rules, depth, hidden);
    } else if (field.isRepeated()) {
      repeated(at, (List<?>) message.getField(field), field, rules, depth, hidden);
    } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
      if (!message.hasField(field)) {
        if (rules != null) {
          required(at, rules);
        }
        return;
      }
      Message value = (Message) message.getField(field);
      if (rules != null) {
        value(at, "", rules, value, hidden);
      }
      if (rules == null || !rules.getMessage().getSkip()) {
        message(at, value, depth + 1, hidden);
      }
    } else if (rules != null && (!field.hasPresence() || message.hasField(field))) {
      // A scalar is checked even at its default (PGV: uint32 {gt: 0} fails on 0), unless it has
      // presence (a oneof member, a proto3 optional) and is not set.
      value(at, "", rules, message.getField(field), hidden);
    }
  }

  private void required(Path at, FieldRules rules) {
    if (rules.getMessage().getRequired()) {
      add(at, "message.required", "not set (expected: set)");
    }
    boolean required =
        switch (rules.getTypeCase()) {
          case ANY -> rules.getAny().getRequired();
          case DURATION -> rules.getDuration().getRequired();
          case TIMESTAMP -> rules.getTimestamp().getRequired();
          default -> false;
        };
    if (required) {
      add(at, kind(rules) + ".required", "not set (expected: set)");
    }
  }

  private void repeated(
      Path at,
      List<?> values,
      FieldDescriptor field,
      @Nullable FieldRules rules,
      int depth,
      boolean hidden) {
    boolean skip = false;
    if (rules != null && rules.hasRepeated()) {
      RepeatedRules repeated = rules.getRepeated();
      skip = repeated.getItems().getMessage().getSkip();
      if (!(repeated.getIgnoreEmpty() && values.isEmpty())) {
        if (repeated.hasMinItems() && values.size() < repeated.getMinItems()) {
          add(
              at,
              "repeated.min_items",
              values.size() + " items (expected: at least " + repeated.getMinItems() + ")");
        }
        if (repeated.hasMaxItems() && values.size() > repeated.getMaxItems()) {
          add(
              at,
              "repeated.max_items",
              values.size() + " items (expected: at most " + repeated.getMaxItems() + ")");
        }
        if (repeated.getUnique()) {
          Set<Object> seen = new HashSet<>();
          for (int i = 0; i < values.size(); i++) {
            if (!seen.add(values.get(i))) {
              add(at.index(i), "repeated.unique", "repeats an earlier item (expected: unique)");
            }
          }
        }
        if (repeated.hasItems()) {
          for (int i = 0; i < values.size(); i++) {
            value(at.index(i), "", repeated.getItems(), values.get(i), hidden);
          }
        }
      }
    }
    if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !skip) {
      for (int i = 0; i < values.size(); i++) {
        message(at.index(i), (Message) values.get(i), depth + 1, hidden);
      }
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void map(
      Path at,
      List<?> entries,
      FieldDescriptor field,
      @Nullable FieldRules rules,
      int depth,
      boolean hidden) {
    FieldDescriptor keyField = field.getMessageType().findFieldByNumber(1);
    FieldDescriptor valueField = field.getMessageType().findFieldByNumber(2);
    // Sorted by key: the walk order must not depend on how the map was built.
    List<Message> sorted =
        entries.stream()
            .map(Message.class::cast)
            .sorted(Comparator.comparing(e -> (Comparable) e.getField(keyField)))
            .toList();
    MapRules map = rules != null && rules.hasMap() ? rules.getMap() : null;
    if (map != null && !(map.getIgnoreEmpty() && sorted.isEmpty())) {
      if (map.hasMinPairs() && sorted.size() < map.getMinPairs()) {
        add(
            at,
            "map.min_pairs",
            sorted.size() + " pairs (expected: at least " + map.getMinPairs() + ")");
      }
      if (map.hasMaxPairs() && sorted.size() > map.getMaxPairs()) {
        add(
            at,
            "map.max_pairs",
            sorted.size() + " pairs (expected: at most " + map.getMaxPairs() + ")");
      }
    }
    boolean checkEntries = map != null && !(map.getIgnoreEmpty() && sorted.isEmpty());
    boolean skip = map != null && map.getValues().getMessage().getSkip();
    for (Message entry : sorted) {
      Object key = entry.getField(keyField);
      Object value = entry.getField(valueField);
      Path entryAt = at.key(key instanceof String s ? Shown.string(s) : String.valueOf(key));
      if (checkEntries && map.hasKeys()) {
        value(entryAt, "map.keys.", map.getKeys(), key, hidden);
      }
      if (checkEntries && map.hasValues()) {
        value(entryAt, "", map.getValues(), value, hidden);
      }
      if (value instanceof Message message && !skip) {
        message(entryAt, message, depth + 1, hidden);
      }
    }
  }

  /** The type rules of a value that is there: a scalar, a list item, a set message field. */
  private void value(Path at, String prefix, FieldRules rules, Object value, boolean hidden) {
    if (!(value instanceof Message message)) {
      scalar(at, prefix, rules, value, hidden);
      return;
    }
    switch (rules.getTypeCase()) {
      case ANY -> anyType(at, prefix, rules.getAny(), message);
      case DURATION -> duration(at, prefix, rules.getDuration(), Order.duration(message), hidden);
      case TIMESTAMP -> timestamp(at, prefix, rules.getTimestamp(), Order.instant(message), hidden);
      default -> {
        Descriptor type = message.getDescriptorForType();
        if (WRAPPERS.contains(type.getFullName())) {
          scalar(at, prefix, rules, message.getField(type.findFieldByName("value")), hidden);
        }
      }
    }
  }

  private void scalar(Path at, String prefix, FieldRules rules, Object value, boolean hidden) {
    FieldRules.TypeCase kind = rules.getTypeCase();
    Numbers numbers = Numbers.of(kind);
    if (numbers != null) {
      number(at, prefix + kind(rules), NumberRule.of(rules), numbers, value, hidden);
      return;
    }
    switch (kind) {
      case BOOL -> {
        if (rules.getBool().hasConst() && (Boolean) value != rules.getBool().getConst()) {
          add(
              at,
              prefix + "bool.const",
              shown(String.valueOf(value), hidden)
                  + " (expected: "
                  + rules.getBool().getConst()
                  + ")");
        }
      }
      case STRING -> string(at, prefix, rules.getString(), (String) value, hidden);
      case BYTES -> bytes(at, prefix, rules.getBytes(), (ByteString) value, hidden);
      case ENUM -> enumValue(at, prefix, rules.getEnum(), (EnumValueDescriptor) value, hidden);
      default -> {
        // No rules, or message-kind rules on a scalar: protoc-gen-validate refuses to generate
        // such a file, so Envoy's protos have none.
      }
    }
  }

  private void number(
      Path at, String kind, NumberRule rule, Numbers order, Object value, boolean hidden) {
    if (rule.ignoreEmpty() && order.isZero(value)) {
      return;
    }
    if (rule.constant() != null && !order.same(value, rule.constant())) {
      add(
          at,
          kind + ".const",
          shown(order.show(value), hidden) + " (expected: " + order.show(rule.constant()) + ")");
    }
    bounds(at, kind, order, value, rule.lt(), rule.lte(), rule.gt(), rule.gte(), hidden);
    in(at, kind, order, value, rule.in(), rule.notIn(), hidden);
  }

  /**
   * A numeric rule as one check needs it, read once per distinct rule (by reflection over its
   * kind's message: uint32, int64, double, ...) and cached: the rules come from descriptors, so
   * there are few.
   */
  private record NumberRule(
      boolean ignoreEmpty,
      @Nullable Object constant,
      @Nullable Object lt,
      @Nullable Object lte,
      @Nullable Object gt,
      @Nullable Object gte,
      List<?> in,
      List<?> notIn) {
    private static final ConcurrentHashMap<FieldRules, NumberRule> RULES =
        new ConcurrentHashMap<>();

    static NumberRule of(FieldRules rules) {
      return RULES.computeIfAbsent(rules, NumberRule::read);
    }

    private static NumberRule read(FieldRules rules) {
      FieldDescriptor kindField =
          FieldRules.getDescriptor().findFieldByNumber(rules.getTypeCase().getNumber());
      Message kind = (Message) rules.getField(kindField);
      Descriptor type = kind.getDescriptorForType();
      return new NumberRule(
          Boolean.TRUE.equals(optional(kind, "ignore_empty")),
          optional(kind, "const"),
          optional(kind, "lt"),
          optional(kind, "lte"),
          optional(kind, "gt"),
          optional(kind, "gte"),
          List.copyOf((List<?>) kind.getField(type.findFieldByName("in"))),
          List.copyOf((List<?>) kind.getField(type.findFieldByName("not_in"))));
    }
  }

  private static @Nullable Object optional(Message rules, String name) {
    FieldDescriptor field = rules.getDescriptorForType().findFieldByName(name);
    return rules.hasField(field) ? rules.getField(field) : null;
  }

  private <T> void bounds(
      Path at,
      String kind,
      Order<T> order,
      T value,
      @Nullable T lt,
      @Nullable T lte,
      @Nullable T gt,
      @Nullable T gte,
      boolean hidden) {
    T upper = lt != null ? lt : lte;
    T lower = gt != null ? gt : gte;
    if (upper == null && lower == null) {
      return;
    }
    String upperRule = lt != null ? "lt" : "lte";
    String lowerRule = gt != null ? "gt" : "gte";
    String upperText = (lt != null ? "< " : "<= ") + (upper == null ? "" : order.show(upper));
    String lowerText = (gt != null ? "> " : ">= ") + (lower == null ? "" : order.show(lower));
    boolean upperOk =
        upper == null || order.less(value, upper) || (lt == null && order.same(value, upper));
    boolean lowerOk =
        lower == null || order.less(lower, value) || (gt == null && order.same(value, lower));
    String shown = shown(order.show(value), hidden);
    if (upper == null || lower == null) {
      if (!upperOk) {
        add(at, kind + "." + upperRule, shown + " (expected: " + upperText + ")");
      } else if (!lowerOk) {
        add(at, kind + "." + lowerRule, shown + " (expected: " + lowerText + ")");
      }
    } else if (order.less(lower, upper)) {
      // PGV: lower below upper is a range the value must be inside.
      if (!lowerOk || !upperOk) {
        add(
            at,
            kind + "." + (lowerOk ? upperRule : lowerRule),
            shown + " (expected: " + lowerText + " and " + upperText + ")");
      }
    } else if (!lowerOk && !upperOk) {
      // PGV: upper below lower is an exclusive range, the value must be outside it.
      add(at, kind + ".range", shown + " (expected: " + upperText + " or " + lowerText + ")");
    }
  }

  private <T> void in(
      Path at,
      String kind,
      Order<T> order,
      T value,
      List<? extends T> in,
      List<? extends T> notIn,
      boolean hidden) {
    if (!in.isEmpty() && in.stream().noneMatch(v -> order.same(value, v))) {
      add(
          at,
          kind + ".in",
          shown(order.show(value), hidden) + " (expected: one of " + list(in, order::show) + ")");
    }
    if (notIn.stream().anyMatch(v -> order.same(value, v))) {
      add(
          at,
          kind + ".not_in",
          shown(order.show(value), hidden)
              + " (expected: none of "
              + list(notIn, order::show)
              + ")");
    }
  }

  private void string(Path at, String prefix, StringRules rules, String value, boolean hidden) {
    if (rules.getIgnoreEmpty() && value.isEmpty()) {
      return;
    }
    String kind = prefix + "string";
    String shown = hidden ? Shown.HIDDEN : Shown.string(value);
    long chars = value.codePointCount(0, value.length());
    if (rules.hasConst() && !value.equals(rules.getConst())) {
      add(at, kind + ".const", shown + " (expected: " + Shown.string(rules.getConst()) + ")");
    }
    if (rules.hasLen() && chars != rules.getLen()) {
      add(at, kind + ".len", lengthOf(shown, chars, "exactly", rules.getLen(), "characters"));
    }
    if (rules.hasMinLen() && chars < rules.getMinLen()) {
      add(
          at,
          kind + ".min_len",
          lengthOf(shown, chars, "at least", rules.getMinLen(), "characters"));
    }
    if (rules.hasMaxLen() && chars > rules.getMaxLen()) {
      add(
          at,
          kind + ".max_len",
          lengthOf(shown, chars, "at most", rules.getMaxLen(), "characters"));
    }
    if (rules.hasLenBytes() || rules.hasMinBytes() || rules.hasMaxBytes()) {
      long bytes = value.getBytes(UTF_8).length;
      if (rules.hasLenBytes() && bytes != rules.getLenBytes()) {
        add(
            at,
            kind + ".len_bytes",
            lengthOf(shown, bytes, "exactly", rules.getLenBytes(), "bytes"));
      }
      if (rules.hasMinBytes() && bytes < rules.getMinBytes()) {
        add(
            at,
            kind + ".min_bytes",
            lengthOf(shown, bytes, "at least", rules.getMinBytes(), "bytes"));
      }
      if (rules.hasMaxBytes() && bytes > rules.getMaxBytes()) {
        add(
            at,
            kind + ".max_bytes",
            lengthOf(shown, bytes, "at most", rules.getMaxBytes(), "bytes"));
      }
    }
    if (rules.hasPattern()) {
      pattern(at, kind, rules.getPattern(), value, shown);
    }
    if (rules.hasPrefix() && !value.startsWith(rules.getPrefix())) {
      add(
          at,
          kind + ".prefix",
          shown + " (expected: to start with " + Shown.string(rules.getPrefix()) + ")");
    }
    if (rules.hasSuffix() && !value.endsWith(rules.getSuffix())) {
      add(
          at,
          kind + ".suffix",
          shown + " (expected: to end with " + Shown.string(rules.getSuffix()) + ")");
    }
    if (rules.hasContains() && !value.contains(rules.getContains())) {
      add(
          at,
          kind + ".contains",
          shown + " (expected: to contain " + Shown.string(rules.getContains()) + ")");
    }
    if (rules.hasNotContains() && value.contains(rules.getNotContains())) {
      add(
          at,
          kind + ".not_contains",
          shown + " (expected: not to contain " + Shown.string(rules.getNotContains()) + ")");
    }
    if (rules.getInCount() > 0 && !rules.getInList().contains(value)) {
      add(
          at,
          kind + ".in",
          shown + " (expected: one of " + list(rules.getInList(), Shown::string) + ")");
    }
    if (rules.getNotInList().contains(value)) {
      add(
          at,
          kind + ".not_in",
          shown + " (expected: none of " + list(rules.getNotInList(), Shown::string) + ")");
    }
    switch (rules.getWellKnownCase()) {
      case WELLKNOWN_NOT_SET -> {}
      case WELL_KNOWN_REGEX -> {
        // PGV: strict defaults to true; Envoy sets strict: false on most header fields.
        boolean strict = !rules.hasStrict() || rules.getStrict();
        KnownRegex regex = rules.getWellKnownRegex();
        if (regex == KnownRegex.HTTP_HEADER_NAME && !HttpHeaders.isName(value, strict)) {
          add(
              at,
              kind + ".well_known_regex",
              shown + " (expected: " + HttpHeaders.nameRule(strict) + ")");
        } else if (regex == KnownRegex.HTTP_HEADER_VALUE && !HttpHeaders.isValue(value, strict)) {
          add(
              at,
              kind + ".well_known_regex",
              shown + " (expected: " + HttpHeaders.valueRule(strict) + ")");
        }
      }
      default ->
          notChecked(
              at,
              kind
                  + "."
                  + StringRules.getDescriptor()
                      .findFieldByNumber(rules.getWellKnownCase().getNumber())
                      .getName());
    }
  }

  private void pattern(Path at, String kind, String regex, String value, String shown) {
    Pattern pattern;
    try {
      pattern = PATTERNS.computeIfAbsent(regex, Pattern::compile);
    } catch (PatternSyntaxException e) {
      add(
          at,
          kind + ".pattern",
          "the rule's pattern /" + regex + "/ is not RE2: " + e.getMessage());
      return;
    }
    // PGV matches anywhere in the value (Go's MatchString); anchors are in the patterns.
    if (!pattern.matcher(value).find()) {
      add(at, kind + ".pattern", shown + " (expected: to match /" + regex + "/)");
    }
  }

  private void bytes(Path at, String prefix, BytesRules rules, ByteString value, boolean hidden) {
    if (rules.getIgnoreEmpty() && value.isEmpty()) {
      return;
    }
    String kind = prefix + "bytes";
    String shown = Shown.bytes(value);
    long size = value.size();
    if (rules.hasConst() && !value.equals(rules.getConst())) {
      add(
          at,
          kind + ".const",
          shown + " (expected: the rule's " + Shown.bytes(rules.getConst()) + ")");
    }
    if (rules.hasLen() && size != rules.getLen()) {
      add(at, kind + ".len", shown + " (expected: exactly " + rules.getLen() + ")");
    }
    if (rules.hasMinLen() && size < rules.getMinLen()) {
      add(at, kind + ".min_len", shown + " (expected: at least " + rules.getMinLen() + ")");
    }
    if (rules.hasMaxLen() && size > rules.getMaxLen()) {
      add(at, kind + ".max_len", shown + " (expected: at most " + rules.getMaxLen() + ")");
    }
    if (rules.hasPrefix() && !value.startsWith(rules.getPrefix())) {
      add(at, kind + ".prefix", shown + " (expected: to start with the rule's prefix)");
    }
    if (rules.hasSuffix() && !value.endsWith(rules.getSuffix())) {
      add(at, kind + ".suffix", shown + " (expected: to end with the rule's suffix)");
    }
    if (rules.hasContains() && !contains(value, rules.getContains())) {
      add(at, kind + ".contains", shown + " (expected: to contain the rule's bytes)");
    }
    if (rules.getInCount() > 0 && !rules.getInList().contains(value)) {
      add(
          at,
          kind + ".in",
          shown + " (expected: one of the rule's " + rules.getInCount() + " values)");
    }
    if (rules.getNotInList().contains(value)) {
      add(at, kind + ".not_in", shown + " (expected: none of the rule's values)");
    }
    if (rules.hasPattern()) {
      notChecked(at, kind + ".pattern");
    }
    switch (rules.getWellKnownCase()) {
      case IP -> notChecked(at, kind + ".ip");
      case IPV4 -> notChecked(at, kind + ".ipv4");
      case IPV6 -> notChecked(at, kind + ".ipv6");
      default -> {}
    }
  }

  private static boolean contains(ByteString value, ByteString part) {
    for (int i = 0; i + part.size() <= value.size(); i++) {
      if (value.substring(i, i + part.size()).equals(part)) {
        return true;
      }
    }
    return false;
  }

  private void enumValue(
      Path at, String prefix, EnumRules rules, EnumValueDescriptor value, boolean hidden) {
    String kind = prefix + "enum";
    int number = value.getNumber();
    EnumValueDescriptor known = value.getType().findValueByNumber(number);
    String shown = shown(known == null ? String.valueOf(number) : known.getName(), hidden);
    if (rules.hasConst() && number != rules.getConst()) {
      add(at, kind + ".const", shown + " (expected: " + enumName(value, rules.getConst()) + ")");
    }
    if (rules.getDefinedOnly() && known == null) {
      add(
          at,
          kind + ".defined_only",
          shown + " (expected: a value " + value.getType().getName() + " defines)");
    }
    if (rules.getInCount() > 0 && !rules.getInList().contains(number)) {
      add(
          at,
          kind + ".in",
          shown + " (expected: one of " + list(rules.getInList(), n -> enumName(value, n)) + ")");
    }
    if (rules.getNotInList().contains(number)) {
      add(
          at,
          kind + ".not_in",
          shown
              + " (expected: none of "
              + list(rules.getNotInList(), n -> enumName(value, n))
              + ")");
    }
  }

  private static String enumName(EnumValueDescriptor sibling, int number) {
    EnumValueDescriptor value = sibling.getType().findValueByNumber(number);
    return value == null ? String.valueOf(number) : value.getName();
  }

  private void anyType(Path at, String prefix, AnyRules rules, Message any) {
    String typeUrl = (String) any.getField(any.getDescriptorForType().findFieldByNumber(1));
    String kind = prefix + "any";
    if (rules.getInCount() > 0 && !rules.getInList().contains(typeUrl)) {
      add(
          at,
          kind + ".in",
          Shown.string(typeUrl)
              + " (expected: one of "
              + list(rules.getInList(), Shown::string)
              + ")");
    }
    if (rules.getNotInList().contains(typeUrl)) {
      add(
          at,
          kind + ".not_in",
          Shown.string(typeUrl)
              + " (expected: none of "
              + list(rules.getNotInList(), Shown::string)
              + ")");
    }
  }

  /**
   * An Any's content, opened with the type registry and checked under the Any's own path (Envoy
   * validates typed configs the same way, after unpacking them).
   */
  private void anyContent(Path path, Message any, int depth, boolean hidden) {
    Descriptor anyType = any.getDescriptorForType();
    String typeUrl = (String) any.getField(anyType.findFieldByNumber(1));
    ByteString bytes = (ByteString) any.getField(anyType.findFieldByNumber(2));
    Descriptor type = types.find(typeUrl.substring(typeUrl.lastIndexOf('/') + 1));
    if (type == null) {
      unchecked.add(typeUrl);
      return;
    }
    DynamicMessage content;
    try {
      content = DynamicMessage.parseFrom(type, bytes);
    } catch (InvalidProtocolBufferException e) {
      add(path, "any.value", "does not parse as " + type.getFullName() + ": " + e.getMessage());
      return;
    }
    message(path, content, depth + 1, hidden);
  }

  private void duration(
      Path at, String prefix, DurationRules rules, Duration value, boolean hidden) {
    String kind = prefix + "duration";
    Order<Duration> order = Order.DURATIONS;
    if (rules.hasConst() && !value.equals(Order.duration(rules.getConst()))) {
      add(
          at,
          kind + ".const",
          shown(order.show(value), hidden)
              + " (expected: "
              + order.show(Order.duration(rules.getConst()))
              + ")");
    }
    bounds(
        at,
        kind,
        order,
        value,
        rules.hasLt() ? Order.duration(rules.getLt()) : null,
        rules.hasLte() ? Order.duration(rules.getLte()) : null,
        rules.hasGt() ? Order.duration(rules.getGt()) : null,
        rules.hasGte() ? Order.duration(rules.getGte()) : null,
        hidden);
    in(
        at,
        kind,
        order,
        value,
        rules.getInList().stream().map(Order::duration).toList(),
        rules.getNotInList().stream().map(Order::duration).toList(),
        hidden);
  }

  private void timestamp(
      Path at, String prefix, TimestampRules rules, Instant value, boolean hidden) {
    String kind = prefix + "timestamp";
    Order<Instant> order = Order.TIMESTAMPS;
    if (rules.hasConst() && !value.equals(Order.instant(rules.getConst()))) {
      add(
          at,
          kind + ".const",
          shown(order.show(value), hidden)
              + " (expected: "
              + order.show(Order.instant(rules.getConst()))
              + ")");
    }
    bounds(
        at,
        kind,
        order,
        value,
        rules.hasLt() ? Order.instant(rules.getLt()) : null,
        rules.hasLte() ? Order.instant(rules.getLte()) : null,
        rules.hasGt() ? Order.instant(rules.getGt()) : null,
        rules.hasGte() ? Order.instant(rules.getGte()) : null,
        hidden);
    // Relative to now: the checker reads no clock (checks are pure and repeatable).
    if (rules.getLtNow()) {
      notChecked(at, kind + ".lt_now");
    }
    if (rules.getGtNow()) {
      notChecked(at, kind + ".gt_now");
    }
    if (rules.hasWithin()) {
      notChecked(at, kind + ".within");
    }
  }

  private void notChecked(Path at, String rule) {
    add(
        at,
        rule,
        "not checked: meshgate's PGV checker does not implement "
            + rule
            + " (no Envoy v3 message it builds uses it); treat as unverified");
  }

  private static String lengthOf(
      String shown, long actual, String bound, long expected, String unit) {
    return shown + " has " + actual + " " + unit + " (expected: " + bound + " " + expected + ")";
  }

  private static <T> String list(List<? extends T> values, Function<? super T, String> show) {
    return values.stream().map(show).collect(Collectors.joining(", ", "[", "]"));
  }

  private static String shown(String value, boolean hidden) {
    return hidden ? Shown.HIDDEN : value;
  }

  private static final Map<FieldRules.TypeCase, String> KINDS = kinds();

  private static Map<FieldRules.TypeCase, String> kinds() {
    Map<FieldRules.TypeCase, String> kinds = new EnumMap<>(FieldRules.TypeCase.class);
    for (FieldRules.TypeCase kind : FieldRules.TypeCase.values()) {
      FieldDescriptor field = FieldRules.getDescriptor().findFieldByNumber(kind.getNumber());
      kinds.put(kind, field == null ? "" : field.getName());
    }
    return kinds;
  }

  private static String kind(FieldRules rules) {
    return KINDS.get(rules.getTypeCase());
  }

  /**
   * Where a value is, built as the walk goes down and spelled out only for a violation: a walk over
   * a valid config makes no strings.
   */
  static final class Path {
    static final Path ROOT = new Path(null, "", -1, null);

    private final @Nullable Path parent;
    private final String name;
    private final int index;
    private final @Nullable String key;

    private Path(@Nullable Path parent, String name, int index, @Nullable String key) {
      this.parent = parent;
      this.name = name;
      this.index = index;
      this.key = key;
    }

    Path child(String field) {
      return new Path(this, field, -1, null);
    }

    Path index(int i) {
      return new Path(this, "", i, null);
    }

    Path key(String mapKey) {
      return new Path(this, "", -1, mapKey);
    }

    @Override
    public String toString() {
      if (parent == null) {
        return "";
      }
      String above = parent.toString();
      if (index >= 0) {
        return above + "[" + index + "]";
      }
      if (key != null) {
        return above + "[" + key + "]";
      }
      return above.isEmpty() ? name : above + "." + name;
    }
  }

  private void add(Path path, String rule, String message) {
    violations.add(new PgvViolation(path.toString(), rule, message));
  }
}
