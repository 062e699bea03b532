package io.meshgate.config.schema;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.meshgate.config.model.Constraint.Doc;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How the schema generator and the reference read the model, so that both name fields, enum
 * constants and types the same way the codec does.
 */
final class ModelReflection {
  private ModelReflection() {}

  /** The field's name in YAML and JSON: its {@code @JsonProperty}, else the component's name. */
  static String jsonName(RecordComponent component) {
    // @JsonProperty does not target record components; javac puts it on the accessor.
    JsonProperty property = component.getAccessor().getAnnotation(JsonProperty.class);
    return property != null ? property.value() : component.getName();
  }

  /** The name an enum constant has on the wire ({@code @JsonProperty}), else its Java name. */
  static String wireName(Enum<?> constant) {
    try {
      JsonProperty property =
          constant.getDeclaringClass().getField(constant.name()).getAnnotation(JsonProperty.class);
      return property != null ? property.value() : constant.name();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The wire names of an enum's constants, in declaration order. */
  static List<String> wireNames(Class<?> enumType) {
    return Arrays.stream(enumType.getEnumConstants())
        .map(constant -> wireName((Enum<?>) constant))
        .toList();
  }

  /** The {@code index}th type argument of a {@code List<X>} or {@code Map<K, V>} component. */
  static Class<?> typeArgument(Type generic, int index) {
    Type argument = ((ParameterizedType) generic).getActualTypeArguments()[index];
    return (Class<?>) argument;
  }

  /** What a component holds: a list's item type, a map's value type, else its own type. */
  static Class<?> elementType(RecordComponent component) {
    Class<?> raw = component.getType();
    if (raw == List.class) {
      return typeArgument(component.getGenericType(), 0);
    }
    if (raw == Map.class) {
      return typeArgument(component.getGenericType(), 1);
    }
    return raw;
  }

  /** The {@code @Doc} text of a record type or a record component. */
  static Optional<String> doc(AnnotatedElement element) {
    return Optional.ofNullable(element.getAnnotation(Doc.class)).map(Doc::value);
  }
}
