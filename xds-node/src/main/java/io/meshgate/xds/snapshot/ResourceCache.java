package io.meshgate.xds.snapshot;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.meshgate.xds.envoy.Versions;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Translated resources of the previous build, keyed by the IR element (and proxy kind) they came
 * from. An IR element equal to one translated last time reuses its packed resource and version: a
 * change to one route does not re-serialise every cluster. Only the last build is kept, so the
 * cache never outgrows the config. Used by the pipeline's one thread only.
 */
public final class ResourceCache {
  private Map<Object, VersionedResource> previous = new HashMap<>();
  private Map<Object, VersionedResource> current = new HashMap<>();
  private long hits;
  private long misses;

  VersionedResource get(Object key, String name, Supplier<? extends Message> translate) {
    VersionedResource cached = current.get(key);
    if (cached == null) {
      cached = previous.get(key);
      if (cached != null) {
        hits++;
      } else {
        Message resource = translate.get();
        cached = new VersionedResource(name, Versions.of(resource), Any.pack(resource));
        misses++;
      }
      current.put(key, cached);
    }
    return cached;
  }

  /**
   * Like {@link #get} for a translation that may yield nothing (a Secret whose key cannot be opened
   * now); nothing is not cached, so the next build tries again.
   */
  Optional<VersionedResource> find(
      Object key, String name, Supplier<? extends Optional<? extends Message>> translate) {
    VersionedResource cached = current.get(key);
    if (cached == null) {
      cached = previous.get(key);
      if (cached != null) {
        hits++;
      } else {
        Optional<? extends Message> resource = translate.get();
        if (resource.isEmpty()) {
          return Optional.empty();
        }
        cached = new VersionedResource(name, Versions.of(resource.get()), Any.pack(resource.get()));
        misses++;
      }
      current.put(key, cached);
    }
    return Optional.of(cached);
  }

  /** Ends a build: what it used is what the next build may reuse. */
  public void endBuild() {
    previous = current;
    current = new HashMap<>();
  }

  /** Resources reused and translated since the cache was made (for /debug and tests). */
  public long hits() {
    return hits;
  }

  public long misses() {
    return misses;
  }
}
