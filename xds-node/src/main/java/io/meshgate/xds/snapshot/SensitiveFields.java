package io.meshgate.xds.snapshot;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FieldOptions;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.ExtensionRegistry;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.meshgate.xds.envoy.EnvoyTypes;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import udpa.annotations.Sensitive;

/**
 * Resources with the fields Envoy marks {@code (udpa.annotations.sensitive)} redacted, as Envoy's
 * own config dump redacts them: every string and bytes value under such a field becomes {@code
 * [redacted]}, other values are cleared. Routes carry API keys and basic-auth users that way, so
 * whatever shows a served resource to an operator ({@code /debug/config}, CSDS) shows it through
 * here. Every {@code Any} is opened with {@link EnvoyTypes#REGISTRY} and redacted too.
 */
public final class SensitiveFields {
  static final String REDACTED = "[redacted]";

  private static final ExtensionRegistry EXTENSIONS = extensions();
  private static final Map<FieldDescriptor, Boolean> SENSITIVE = new ConcurrentHashMap<>();

  private SensitiveFields() {}

  /** {@code resource} with its sensitive fields redacted; unchanged when it has none. */
  public static Any redacted(Any resource) {
    Descriptor type = descriptor(resource);
    if (type == null) {
      return resource; // a type the registry does not know carries nothing we serve
    }
    try {
      DynamicMessage message = DynamicMessage.parseFrom(type, resource.getValue());
      Message redacted = walk(message, false);
      return redacted.equals(message)
          ? resource
          : Any.newBuilder()
              .setTypeUrl(resource.getTypeUrl())
              .setValue(redacted.toByteString())
              .build();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a served resource that does not parse", e);
    }
  }

  private static @Nullable Descriptor descriptor(Any any) {
    String typeUrl = any.getTypeUrl();
    return EnvoyTypes.REGISTRY.find(typeUrl.substring(typeUrl.lastIndexOf('/') + 1));
  }

  /** The message with sensitive fields redacted; with {@code hidden}, all of it. */
  private static Message walk(Message message, boolean hidden) {
    if (message.getDescriptorForType().getFullName().equals(Any.getDescriptor().getFullName())) {
      return any(message, hidden);
    }
    Message.Builder builder = message.toBuilder();
    for (Map.Entry<FieldDescriptor, Object> entry : message.getAllFields().entrySet()) {
      FieldDescriptor field = entry.getKey();
      boolean hide = hidden || sensitive(field);
      if (field.isRepeated()) {
        builder.clearField(field);
        for (Object value : (List<?>) entry.getValue()) {
          Object shown = value(field, value, hide);
          if (shown != null) {
            builder.addRepeatedField(field, shown);
          }
        }
      } else {
        Object shown = value(field, entry.getValue(), hide);
        if (shown == null) {
          builder.clearField(field);
        } else {
          builder.setField(field, shown);
        }
      }
    }
    return builder.build();
  }

  /** A field's value as shown: null when it is cleared. */
  private static Object value(FieldDescriptor field, Object value, boolean hide) {
    return switch (field.getJavaType()) {
      case MESSAGE -> walk((Message) value, hide);
      case STRING -> hide ? REDACTED : value;
      case BYTE_STRING -> hide ? ByteString.copyFromUtf8(REDACTED) : value;
      default -> hide ? null : value;
    };
  }

  private static Message any(Message message, boolean hidden) {
    Any any;
    try {
      any = Any.parseFrom(message.toByteString());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("an Any that does not parse", e);
    }
    Descriptor type = descriptor(any);
    if (type == null) {
      return message;
    }
    try {
      Message inner = walk(DynamicMessage.parseFrom(type, any.getValue()), hidden);
      Any shown =
          Any.newBuilder().setTypeUrl(any.getTypeUrl()).setValue(inner.toByteString()).build();
      return message instanceof Any
          ? shown
          : DynamicMessage.parseFrom(message.getDescriptorForType(), shown.toByteString());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("an Any that does not parse", e);
    }
  }

  private static boolean sensitive(FieldDescriptor field) {
    return SENSITIVE.computeIfAbsent(field, SensitiveFields::marked);
  }

  private static boolean marked(FieldDescriptor field) {
    FieldOptions options = field.getOptions();
    if (options.hasExtension(Sensitive.sensitive)) {
      return options.getExtension(Sensitive.sensitive);
    }
    if (!options.getUnknownFields().hasField(Sensitive.SENSITIVE_FIELD_NUMBER)) {
      return false;
    }
    try {
      return FieldOptions.parseFrom(options.toByteString(), EXTENSIONS)
          .getExtension(Sensitive.sensitive);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("options do not parse: " + options, e);
    }
  }

  private static ExtensionRegistry extensions() {
    ExtensionRegistry registry = ExtensionRegistry.newInstance();
    Sensitive.registerAllExtensions(registry);
    return registry;
  }
}
