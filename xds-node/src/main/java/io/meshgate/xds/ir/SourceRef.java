package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

/**
 * The resource (and generation) an IR element was made from, so every Envoy resource can be traced
 * back.
 */
public record SourceRef(String kind, String namespace, String name, long generation) {
  public SourceRef {
    requireNonNull(kind, "kind");
    requireNonNull(namespace, "namespace");
    requireNonNull(name, "name");
  }

  /** {@code Kind/namespace/name}. */
  public String key() {
    return kind + "/" + namespace + "/" + name;
  }
}
