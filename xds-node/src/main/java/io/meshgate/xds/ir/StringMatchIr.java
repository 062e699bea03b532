package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** A value matched exactly or by an RE2 regular expression. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = StringMatchIr.Exact.class, name = "exact"),
  @JsonSubTypes.Type(value = StringMatchIr.Regex.class, name = "regex")
})
public sealed interface StringMatchIr {
  String value();

  record Exact(String value) implements StringMatchIr {
    public Exact {
      requireNonNull(value, "value");
    }
  }

  record Regex(String value) implements StringMatchIr {
    public Regex {
      requireNonNull(value, "value");
    }
  }
}
