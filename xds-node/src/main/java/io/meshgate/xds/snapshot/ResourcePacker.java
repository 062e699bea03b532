package io.meshgate.xds.snapshot;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.meshgate.xds.envoy.Versions;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Packs resources into {@link Any} with their content-hash version, remembering the previous
 * build's by instance: the envoy stage hands back the same instance for an unchanged IR element
 * (its translation cache), so an unchanged resource is neither serialised nor hashed again. Only
 * the last build is kept. Not thread-safe: one pipeline thread owns it.
 */
public final class ResourcePacker {
  private Map<Message, VersionedResource> previous = new IdentityHashMap<>();
  private Map<Message, VersionedResource> current = new IdentityHashMap<>();

  VersionedResource pack(String name, Message resource) {
    VersionedResource packed = current.get(resource);
    if (packed == null) {
      packed = previous.get(resource);
      if (packed == null || !packed.name().equals(name)) {
        packed = new VersionedResource(name, Versions.of(resource), Any.pack(resource));
      }
      current.put(resource, packed);
    }
    return packed;
  }

  /** Ends a build: what it packed is what the next build may reuse. */
  public void endBuild() {
    previous = current;
    current = new IdentityHashMap<>();
  }
}
