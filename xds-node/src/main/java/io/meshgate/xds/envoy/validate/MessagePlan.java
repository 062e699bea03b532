package io.meshgate.xds.envoy.validate;

import com.google.protobuf.DescriptorProtos.FieldOptions;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.DescriptorProtos.OneofOptions;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.ExtensionLite;
import com.google.protobuf.ExtensionRegistry;
import com.google.protobuf.GeneratedMessageV3.ExtendableMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import io.envoyproxy.pgv.validate.Validate;
import io.envoyproxy.pgv.validate.Validate.FieldRules;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import udpa.annotations.Sensitive;

/**
 * What the checker needs of one message type, read once from its descriptor's options and cached
 * for the life of the process: whether PGV is disabled for it, and its steps — each field with its
 * rules, each required oneof — in field-number order (a oneof goes just before its lowest-numbered
 * field). A field without rules whose type holds none anywhere inside it is left out: walking it
 * could find nothing. Descriptors are few and live forever, so the caches are unbounded.
 */
record MessagePlan(boolean disabled, List<Step> steps) {
  private static final ConcurrentHashMap<Descriptor, MessagePlan> PLANS = new ConcurrentHashMap<>();
  private static final ConcurrentHashMap<Descriptor, Boolean> CHECKED = new ConcurrentHashMap<>();
  private static final String ANY = "google.protobuf.Any";

  /**
   * Validate's extensions, for options whose rules came back as unknown fields (descriptors built
   * before the extensions were registered). The generated Envoy classes register them when their
   * file descriptors are built, so this is a fallback.
   */
  private static final ExtensionRegistry EXTENSIONS = extensions();

  MessagePlan {
    steps = List.copyOf(steps);
  }

  /** One thing to check on a message: a field, or a oneof that must be set. */
  sealed interface Step permits FieldStep, OneofStep {}

  /**
   * A field and its rules ({@code null}: none); {@code sensitive} when Envoy marks it so (its
   * values are never shown).
   */
  record FieldStep(FieldDescriptor field, @Nullable FieldRules rules, boolean sensitive)
      implements Step {}

  /** A oneof with {@code (validate.required) = true}. */
  record OneofStep(OneofDescriptor oneof) implements Step {}

  static MessagePlan of(Descriptor type) {
    return PLANS.computeIfAbsent(type, MessagePlan::read);
  }

  private static MessagePlan read(Descriptor type) {
    MessageOptions options = type.getOptions();
    boolean disabled =
        option(options, Validate.disabled, MessageOptions.parser())
            || option(options, Validate.ignored, MessageOptions.parser());
    List<FieldDescriptor> fields = new ArrayList<>(type.getFields());
    fields.sort(Comparator.comparingInt(FieldDescriptor::getNumber));
    List<Step> steps = new ArrayList<>();
    List<OneofDescriptor> placed = new ArrayList<>();
    for (FieldDescriptor field : fields) {
      OneofDescriptor oneof = field.getRealContainingOneof();
      if (oneof != null
          && !placed.contains(oneof)
          && option(oneof.getOptions(), Validate.required, OneofOptions.parser())) {
        placed.add(oneof);
        steps.add(new OneofStep(oneof));
      }
      FieldOptions fieldOptions = field.getOptions();
      FieldRules rules = option(fieldOptions, Validate.rules, FieldOptions.parser());
      boolean ruled = !rules.equals(FieldRules.getDefaultInstance());
      if (!ruled
          && (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE
              || !checked(field.getMessageType()))) {
        continue;
      }
      steps.add(
          new FieldStep(
              field,
              rules.equals(FieldRules.getDefaultInstance()) ? null : rules,
              option(fieldOptions, Sensitive.sensitive, FieldOptions.parser())));
    }
    return new MessagePlan(disabled, steps);
  }

  /**
   * Whether a message of {@code type} can break a rule anywhere inside it: it is an Any (opened and
   * checked), or it or a message type it holds has a field rule or a required oneof and is not
   * disabled.
   */
  static boolean checked(Descriptor type) {
    Boolean known = CHECKED.get(type);
    if (known != null) {
      return known;
    }
    // Only the answer for the type asked is kept: an answer found while an enclosing type was still
    // being looked at may have missed a check reached through that enclosing type.
    boolean checked = checked(type, new HashSet<>());
    CHECKED.put(type, checked);
    return checked;
  }

  private static boolean checked(Descriptor type, Set<Descriptor> visiting) {
    if (type.getFullName().equals(ANY)) {
      return true;
    }
    Boolean known = CHECKED.get(type);
    if (known != null) {
      return known;
    }
    if (!visiting.add(type)) {
      // A cycle adds no rule of its own; the types on it are looked at once.
      return false;
    }
    MessageOptions options = type.getOptions();
    if (option(options, Validate.disabled, MessageOptions.parser())
        || option(options, Validate.ignored, MessageOptions.parser())) {
      return false;
    }
    for (OneofDescriptor oneof : type.getRealOneofs()) {
      if (option(oneof.getOptions(), Validate.required, OneofOptions.parser())) {
        return true;
      }
    }
    for (FieldDescriptor field : type.getFields()) {
      FieldRules rules = option(field.getOptions(), Validate.rules, FieldOptions.parser());
      if (!rules.equals(FieldRules.getDefaultInstance())) {
        return true;
      }
    }
    for (FieldDescriptor field : type.getFields()) {
      if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
          && checked(field.getMessageType(), visiting)) {
        return true;
      }
    }
    return false;
  }

  private static <M extends ExtendableMessage<M>, T> T option(
      M options, ExtensionLite<M, T> extension, Parser<M> parser) {
    if (options.hasExtension(extension)
        || !options.getUnknownFields().hasField(extension.getNumber())) {
      return options.getExtension(extension);
    }
    try {
      return parser.parseFrom(options.toByteString(), EXTENSIONS).getExtension(extension);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("options do not parse: " + options, e);
    }
  }

  private static ExtensionRegistry extensions() {
    ExtensionRegistry registry = ExtensionRegistry.newInstance();
    Validate.registerAllExtensions(registry);
    Sensitive.registerAllExtensions(registry);
    return registry;
  }
}
