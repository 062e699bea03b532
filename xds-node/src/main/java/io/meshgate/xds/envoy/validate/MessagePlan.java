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
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import udpa.annotations.Sensitive;

/**
 * What the checker needs of one message type, read once from its descriptor's options and cached
 * for the life of the process: whether PGV is disabled for it, and its steps — each field with its
 * rules, each required oneof — in field-number order (a oneof goes just before its lowest-numbered
 * field). Descriptors are few and live forever, so the cache is unbounded.
 */
record MessagePlan(boolean disabled, List<Step> steps) {
  private static final ConcurrentHashMap<Descriptor, MessagePlan> PLANS = new ConcurrentHashMap<>();

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
      steps.add(
          new FieldStep(
              field,
              rules.equals(FieldRules.getDefaultInstance()) ? null : rules,
              option(fieldOptions, Sensitive.sensitive, FieldOptions.parser())));
    }
    return new MessagePlan(disabled, steps);
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
