package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A new path for a forwarded or redirected request: the whole path, or the part the route's
 * PathPrefix matched (Gateway API's ReplacePrefixMatch: whole segments, so {@code /foo} replaced by
 * {@code /xyz} turns {@code /foo/bar} into {@code /xyz/bar}).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = PathRewriteIr.Full.class, name = "full"),
  @JsonSubTypes.Type(value = PathRewriteIr.Prefix.class, name = "prefix")
})
public sealed interface PathRewriteIr {
  record Full(String path) implements PathRewriteIr {
    public Full {
      requireNonNull(path, "path");
    }
  }

  /** Replaces the route's matched prefix; the route's path match must be a prefix. */
  record Prefix(String replacement) implements PathRewriteIr {
    public Prefix {
      requireNonNull(replacement, "replacement");
    }
  }
}
