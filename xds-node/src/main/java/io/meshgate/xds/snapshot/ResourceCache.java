package io.meshgate.xds.snapshot;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.meshgate.xds.envoy.Versions;
import java.util.HashMap;
import java.util.Map;
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
