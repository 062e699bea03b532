package io.meshgate.config.model;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Markers on record components from which each kind's JSON Schema is generated (as Gateway API
 * generates its CRD schemas from markers on Go types). They state what a schema can express; rules
 * it cannot (RE2 semantics, duplicates, exactly-one-of, sizes) live in the validator's Java rules.
 */
public final class Constraint {
  private Constraint() {}

  /** The field must be present. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.RECORD_COMPONENT)
  public @interface Required {}

  /** An inclusive range for a number. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.RECORD_COMPONENT)
  public @interface Range {
    long min() default Long.MIN_VALUE;

    long max() default Long.MAX_VALUE;
  }

  /** The only values a number may take. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.RECORD_COMPONENT)
  public @interface Values {
    long[] value();
  }

  /** Bounds on a list's items or a string's length. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.RECORD_COMPONENT)
  public @interface Size {
    int min() default 0;

    int max() default Integer.MAX_VALUE;
  }

  /** A pattern (ECMA 262, as JSON Schema uses) for a string, or for each string of a list. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.RECORD_COMPONENT)
  public @interface Pattern {
    /** One of {@link Patterns}' constants. */
    String value();

    /** Maximum length of each string. */
    int maxLength() default Integer.MAX_VALUE;
  }

  /** The default a record fills in when the field is absent (for the schema and the reference). */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.RECORD_COMPONENT)
  public @interface Default {
    String value();
  }

  /** What the field means, for the schema's descriptions and docs/config-reference.md. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.RECORD_COMPONENT, ElementType.TYPE})
  public @interface Doc {
    String value();
  }
}
