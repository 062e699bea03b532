package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;

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

  /** The resource this names. */
  public ResourceKey key() {
    return new ResourceKey(Kind.fromWireName(kind), namespace, name);
  }
}
