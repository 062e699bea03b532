package io.meshgate.config.schema;

/** Wire names of enum constants, as written in YAML ({@code PathPrefix}, {@code URLRewrite}). */
public final class Wire {
  private Wire() {}

  public static String name(Enum<?> constant) {
    return ModelReflection.wireName(constant);
  }
}
