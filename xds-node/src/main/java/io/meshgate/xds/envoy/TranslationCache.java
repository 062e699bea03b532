package io.meshgate.xds.envoy;

import com.google.protobuf.Message;
import io.meshgate.xds.ir.ProxyKind;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Envoy resources of this and the previous build, keyed by the whole IR record each was translated
 * from (with the proxy kind where it matters and, for a Secret, its key material): records compare
 * every field, so no field can be left out of a key. An IR element equal to one translated last
 * time gets the same packed resource back, neither translated nor serialised again, and a change to
 * one route does not translate every cluster again. Only the last build is kept, so the cache never
 * outgrows the config. Not thread-safe: one pipeline thread owns it.
 */
public final class TranslationCache {
  /**
   * What a cache entry translates: the resource type, the proxy kind when the translation depends
   * on it (null when not: a Cluster is the same for a gateway and a proxyless group, and is
   * translated once for both) and the IR input.
   */
  private record Key(Class<? extends Message> type, @Nullable ProxyKind kind, Object input) {}

  private Map<Key, EnvoyResource> previous = new HashMap<>();
  private Map<Key, EnvoyResource> current = new HashMap<>();
  private long hits;
  private long misses;

  EnvoyResource get(
      Class<? extends Message> type,
      @Nullable ProxyKind kind,
      Object input,
      Supplier<EnvoyResource> translate) {
    Key key = new Key(type, kind, input);
    EnvoyResource cached = current.get(key);
    if (cached == null) {
      cached = previous.get(key);
      if (cached != null) {
        hits++;
      } else {
        cached = translate.get();
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
