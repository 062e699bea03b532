package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** How a path is matched: exactly, by prefix (whole segments), or by an RE2 regular expression. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = PathMatchIr.Exact.class, name = "exact"),
  @JsonSubTypes.Type(value = PathMatchIr.Prefix.class, name = "prefix"),
  @JsonSubTypes.Type(value = PathMatchIr.Regex.class, name = "regex")
})
public sealed interface PathMatchIr {
  String value();

  record Exact(String value) implements PathMatchIr {
    public Exact {
      requireNonNull(value, "value");
    }
  }

  /**
   * Matches whole path segments: {@code /api} matches {@code /api} and {@code /api/x}, not {@code
   * /apix}.
   */
  record Prefix(String value) implements PathMatchIr {
    public Prefix {
      requireNonNull(value, "value");
    }
  }

  record Regex(String value) implements PathMatchIr {
    public Regex {
      requireNonNull(value, "value");
    }
  }
}
