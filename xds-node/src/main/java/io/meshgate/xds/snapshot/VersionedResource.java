package io.meshgate.xds.snapshot;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;

/** One resource, packed once, with its own content-hash version (what delta xDS compares). */
public record VersionedResource(String name, String version, Any resource) {
  public VersionedResource {
    requireNonNull(name, "name");
    requireNonNull(version, "version");
    requireNonNull(resource, "resource");
  }

  /** Name, type and version only: the body may be a Secret holding a private key. */
  @Override
  public String toString() {
    return "VersionedResource[" + name + ", " + resource.getTypeUrl() + ", " + version + "]";
  }
}
